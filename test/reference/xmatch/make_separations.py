"""Reference angular separations from astropy for Nightjar's crossmatch tests.

Writes separations.json: pairs of positions (deg) and astropy's SkyCoord.separation in arcsec.
The pairs cover poles (Dec ±89.99 and ±90), the RA wrap (359.99 / 0.01), the equator, and
separations from 1 milliarcsecond to 1 degree. Run from the repository root:

    python3 test/reference/xmatch/make_separations.py
"""
import json
import os

import astropy
import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord

rng = np.random.default_rng(20240611)


def offset(ra, dec, sep_arcsec, angle_deg):
    """A point at a given separation and position angle from (ra, dec), computed by astropy."""
    c = SkyCoord(ra * u.deg, dec * u.deg)
    o = c.directional_offset_by(angle_deg * u.deg, sep_arcsec * u.arcsec)
    return float(o.ra.deg), float(o.dec.deg)


centres = [(0.01, 0.0), (359.99, 0.0), (359.99, 45.0), (0.0, 89.99), (180.0, -89.99), (12.3, 90.0), (200.0, -90.0), (123.4, -30.0)]
centres += [(float(rng.uniform(0, 360)), float(np.degrees(np.arcsin(rng.uniform(-1, 1))))) for _ in range(12)]
separations = [0.001, 0.1, 0.5, 1.0, 2.0, 10.0, 60.0, 600.0, 3600.0]

pairs = []
for ra, dec in centres:
    for sep in separations:
        angle = float(rng.uniform(0, 360))
        ra2, dec2 = offset(ra, dec, sep, angle)
        pairs.append([ra, dec, ra2, dec2])
# Pairs straddling the RA wrap directly.
pairs += [[359.99, 10.0, 0.01, 10.0], [0.0001, -5.0, 359.9999, -5.0], [359.999999, 89.99, 0.000001, 89.99]]

a = np.array(pairs)
c1 = SkyCoord(a[:, 0] * u.deg, a[:, 1] * u.deg)
c2 = SkyCoord(a[:, 2] * u.deg, a[:, 3] * u.deg)
sep = c1.separation(c2).arcsec

out = {
    "generator": "test/reference/xmatch/make_separations.py",
    "astropy": astropy.__version__,
    "pairs": [{"ra1": p[0], "dec1": p[1], "ra2": p[2], "dec2": p[3], "sepArcsec": float(s)} for p, s in zip(pairs, sep)],
}
with open(os.path.join(os.path.dirname(__file__), "separations.json"), "w") as f:
    json.dump(out, f, indent=1)
print(f"wrote {len(pairs)} pairs")
