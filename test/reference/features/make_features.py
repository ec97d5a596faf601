"""Reference light-curve features for Nightjar, computed with NumPy from the real alert files.

Light curves are built straight from the Avro records (fastavro), independently of Nightjar:
- ZTF: the candidate and prv_candidates entries with a magpsf are detections, prv entries
  without one (null candid) are upper limits (diffmaglim); mjd = jd − 2400000.5; fid 1/2/3 → g/r/i.
- Rubin: diaSource and prvDiaSources are detections; mag = −2.5·log10(psfFlux/nJy) + 31.4 for a
  positive psfFlux, none otherwise; mjd = midpointMjdTai. Forced photometry is ignored.
Feature definitions are those of docs/annotations.md. Writes features.json. Run from the
repository root:  python3 test/reference/features/make_features.py
"""
import glob
import json
import math
import os

import fastavro
import numpy as np

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "data")
BANDS = ["u", "g", "r", "i", "z", "y"]
SAME_TIME = 1e-5


def ztf_points(rec):
    cand = rec["candidate"]
    pts = []
    for p in (rec.get("prv_candidates") or []) + [cand]:
        band = {1: "g", 2: "r", 3: "i"}.get(p["fid"])
        mjd = p["jd"] - 2400000.5
        if p.get("magpsf") is not None:
            pts.append({"mjd": mjd, "band": band, "kind": "detection", "mag": float(p["magpsf"])})
        else:
            pts.append({"mjd": mjd, "band": band, "kind": "upperlimit", "mag": None})
    return cand["jd"] - 2400000.5, str(cand["candid"]), pts


def rubin_points(rec):
    src = rec["diaSource"]
    pts = []
    for p in (rec.get("prvDiaSources") or []) + [src]:
        flux = p.get("psfFlux")
        mag = -2.5 * math.log10(flux) + 31.4 if flux is not None and flux > 0 else None
        pts.append({"mjd": p["midpointMjdTai"], "band": p.get("band"), "kind": "detection", "mag": mag})
    return src["midpointMjdTai"], str(src["diaSourceId"]), pts


def group_features(pts, alert_mjd):
    pts = sorted(pts, key=lambda p: p["mjd"])
    det = [p for p in pts if p["kind"] == "detection"]
    magdet = [p for p in det if p["mag"] is not None and math.isfinite(p["mag"])]
    t = np.array([p["mjd"] for p in magdet])
    m = np.array([p["mag"] for p in magdet])
    f = {
        "ndet": len(det),
        "nUpperLimits": sum(p["kind"] == "upperlimit" for p in pts),
        "firstMjd": det[0]["mjd"] if det else None,
        "lastMjd": det[-1]["mjd"] if det else None,
        "daysSinceFirst": alert_mjd - det[0]["mjd"] if det else None,
    }
    n = len(m)
    if n == 0:
        f.update({k: None for k in ["peakMag", "peakMjd", "latestMag", "dmdt", "riseRate", "fadeRate", "slope", "amplitude", "std", "latestIsBrightest"]})
        return f
    peak = int(np.argmin(m))  # first occurrence on ties = earliest
    dmdt = None
    if n >= 2 and t[-1] - t[-2] > SAME_TIME:
        dmdt = float((m[-1] - m[-2]) / (t[-1] - t[-2]))
    slope = None
    if n >= 2 and np.ptp(t) > SAME_TIME:
        slope = float(np.polyfit(t - t[0], m, 1)[0])
    f.update({
        "peakMag": float(m[peak]),
        "peakMjd": float(t[peak]),
        "latestMag": float(m[-1]),
        "dmdt": dmdt,
        "riseRate": -dmdt if dmdt is not None and dmdt < 0 else None,
        "fadeRate": dmdt if dmdt is not None and dmdt > 0 else None,
        "slope": slope,
        "amplitude": float(m.max() - m.min()) if n >= 2 else None,
        "std": float(np.std(m, ddof=1)) if n >= 2 else None,
        "latestIsBrightest": bool(m[-1] <= m.min()),
    })
    return f


def colours(pts):
    out = {}
    for b1, b2 in zip(BANDS, BANDS[1:]):
        a = [p for p in pts if p["band"] == b1 and p["kind"] == "detection" and p["mag"] is not None]
        b = [p for p in pts if p["band"] == b2 and p["kind"] == "detection" and p["mag"] is not None]
        if not a or not b:
            continue
        # Brute force over all pairs: smallest gap, then the latest pair.
        best = min(((abs(p["mjd"] - q["mjd"]), -max(p["mjd"], q["mjd"]), p, q) for p in a for q in b), key=lambda x: (x[0], x[1]))
        out[f"{b1}_{b2}"] = {"value": best[2]["mag"] - best[3]["mag"], "dt": best[0]}
    return out


def features(alert_mjd, pts):
    pts = [p for p in pts if p["mjd"] <= alert_mjd]
    out = {"all": group_features(pts, alert_mjd)} if pts else {}
    for band in BANDS:
        bp = [p for p in pts if p["band"] == band]
        if bp:
            out[band] = group_features(bp, alert_mjd)
    c = colours(pts)
    if c:
        out["colour"] = c
    return out


alerts = []
for path in sorted(glob.glob(os.path.join(DATA, "ztf", "alerts", "*.avro"))):
    with open(path, "rb") as fh:
        for rec in fastavro.reader(fh):
            mjd, alert_id, pts = ztf_points(rec)
            alerts.append({"file": os.path.relpath(path, DATA), "survey": "ztf", "alertId": alert_id, "npoints": len(pts), "lc": features(mjd, pts)})
with open(os.path.join(DATA, "lsst", "alerts", "fink_rubin_4alerts.avro"), "rb") as fh:
    for rec in fastavro.reader(fh):
        mjd, alert_id, pts = rubin_points(rec)
        alerts.append({"file": "lsst/alerts/fink_rubin_4alerts.avro", "survey": "lsst", "alertId": alert_id, "npoints": len(pts), "lc": features(mjd, pts)})

with open(os.path.join(os.path.dirname(__file__), "features.json"), "w") as fh:
    json.dump({"generator": "test/reference/features/make_features.py", "numpy": np.__version__, "alerts": alerts}, fh, indent=1)
print(f"wrote {len(alerts)} alerts:", [(a["alertId"], a["npoints"]) for a in alerts])
