#!/usr/bin/env bash
# The IVOA Simple Cone Search of the API as a VO client sees it: pyvo (from PyPI, installed into
# .nightjar/pyvo/ on first use) queries GET /api/v1/scs with a token and prints, as JSON, what it
# understood: rows, the records' ids and positions (which pyvo finds by the SCS UCDs), and the
# message of the error it raises for a radius beyond the limit.
#   scripts/pyvo-scs.sh BASE_URL TOKEN RA DEC SR
set -euo pipefail
cd "$(dirname "$0")/.."
base="$1" token="$2" ra="$3" dec="$4" sr="$5"
venv=.nightjar/pyvo
version=1.9.1
if ! "$venv/bin/python" -c "import pyvo, sys; sys.exit(pyvo.__version__ != '$version')" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pyvo==$version"
fi
exec "$venv/bin/python" - "$base/api/v1/scs" "$token" "$ra" "$dec" "$sr" <<'PY'
import json, sys, warnings
import requests
import pyvo
from pyvo.dal import DALQueryError

url, token, ra, dec, sr = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
session = requests.Session()
session.headers["Authorization"] = f"Bearer {token}"
service = pyvo.dal.SCSService(url, session=session)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    results = service.search(pos=(ra, dec), radius=sr)
    records = [{"id": str(r.id), "ra": float(r.pos.ra.deg), "dec": float(r.pos.dec.deg)} for r in results]
    table = results.to_table()
# What TOPCAT does after the server's 401 challenge: HTTP Basic with the token as password.
basic = requests.Session()
basic.auth = ("anyone", token)
basic_rows = len(pyvo.dal.SCSService(url, session=basic).search(pos=(ra, dec), radius=sr))
try:
    service.search(pos=(ra, dec), radius=2.0)
    error = None
except DALQueryError as e:
    error = str(e)
print(json.dumps({
    "rows": len(results),
    "basicRows": basic_rows,
    "records": records,
    "columns": list(table.colnames),
    "ucds": {f.name: f.ucd for f in results.fielddescs},
    "warnings": [str(w.message) for w in caught],
    "error": error,
}))
PY
