#!/usr/bin/env bash
# Property-based API conformance: schemathesis (from PyPI, installed into .nightjar/schemathesis/
# on first use) generates requests from /openapi.json and checks every answer: no 5xx, status
# codes and bodies as documented, content types as documented.
#   scripts/schemathesis.sh BASE_URL TOKEN [MAX_EXAMPLES]
set -euo pipefail
cd "$(dirname "$0")/.."
base="$1" token="$2" examples="${3:-25}"
venv=.nightjar/schemathesis
version=4.32.5
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi
exec "$venv/bin/st" run "$base/openapi.json" --url "$base" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --max-examples "$examples" --seed 1 --workers 1 --no-color
