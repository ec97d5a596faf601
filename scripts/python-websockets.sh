#!/usr/bin/env bash
# A Python with the `websockets` package for examples/live_client.py (and its test): a venv in
# .nightjar/websockets/, created on first use from PyPI. Prints the interpreter's path.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.nightjar/websockets
version=17.4
if ! "$venv/bin/python" -c "import websockets, sys; sys.exit(websockets.__version__ != '$version')" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "websockets==$version" >&2
fi
echo "$PWD/$venv/bin/python"
