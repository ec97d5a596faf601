#!/usr/bin/env bash
# Helm for the chart tests and for operators without one: the pinned release, built from the Go
# module proxy into .nightjar/bin/ on first use (about 3 minutes on 2 cores; the Go module and build
# caches live under .nightjar/go/ during the build and are removed after it, ~1.2 GB).
#   scripts/helm.sh --install-only   install when missing, print the binary's path
#   scripts/helm.sh ARGS...          run helm (installing it first when missing)
# NIGHTJAR_HELM=/path/to/helm uses an existing binary instead.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version=v3.22.0
bin="$root/.nightjar/bin"
gopath="$root/.nightjar/go"
helm="${NIGHTJAR_HELM:-$bin/helm}"
stamp="$bin/helm.version"

if [ -z "${NIGHTJAR_HELM:-}" ] && ! { [ -x "$helm" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; }; then
  go=$(command -v go || true)
  [ -n "$go" ] || [ ! -x /usr/local/go/bin/go ] || go=/usr/local/go/bin/go
  if [ -z "$go" ]; then
    echo "scripts/helm.sh: helm $version is built with Go, and no go was found (PATH or /usr/local/go/bin/go)" >&2
    exit 1
  fi
  mkdir -p "$bin" "$gopath"
  started=$SECONDS
  echo "installing helm $version with $("$go" version | cut -d' ' -f3) (go install from the module proxy)..." >&2
  # -modcacherw keeps the module cache deletable by anyone; -trimpath keeps local paths out of the binary.
  GOBIN="$bin" GOPATH="$gopath" GOMODCACHE="$gopath/mod" GOCACHE="$gopath/cache" \
    GOFLAGS="-modcacherw -trimpath" CGO_ENABLED=0 \
    "$go" install "helm.sh/helm/v3/cmd/helm@$version"
  echo "$version" >"$stamp"
  rm -rf "$gopath"
  echo "helm $version installed in $((SECONDS - started))s: $helm" >&2
fi

if [ "${1:-}" = "--install-only" ]; then
  echo "$helm"
  exit 0
fi
exec "$helm" "$@"
