"""Reference MOC data for Nightjar's watchmap tests, made with mocpy (CDS).

Writes, next to this script:
  region.fits, region.fits.gz, region.json   a MOC (two cones and a polygon crossing RA 0, depth 14)
                                            as MOC FITS (NUNIQ, 64-bit) and MOC 2.0 JSON
  deep.json                                 a 2-arcsec cone at depth 20 (cells finer than order 16)
  lvk90.json                                90% credible region of the real LVK sky map in
                                            shared/data/gw/MS181101ab-preliminary.json (mocpy,
                                            strict=False: the cell crossing 90% is included)
  points.json                               test points with mocpy's contains() for each MOC,
                                            and HEALPix NESTED pixels of points at orders 18 and 24

Run: python3 test/reference/moc/make_moc.py  (pip install mocpy; made with mocpy 0.21.0)
"""
import base64
import gzip
import json
import os
import tempfile

import astropy.units as u
import numpy as np
from astropy.coordinates import Angle, Latitude, Longitude, SkyCoord
from mocpy import MOC

HERE = os.path.dirname(os.path.abspath(__file__))
ALERT = os.path.join(HERE, '..', '..', '..', '..', 'shared', 'data', 'gw', 'MS181101ab-preliminary.json')
if not os.path.exists(ALERT):
    ALERT = '/work/shared/data/gw/MS181101ab-preliminary.json'


def cone(ra, dec, radius_deg, depth):
    return MOC.from_cone(lon=Longitude(ra * u.deg), lat=Latitude(dec * u.deg), radius=Angle(radius_deg, u.deg), max_depth=depth)


def region_moc():
    a = cone(10.0, 20.0, 2.0, 14)
    b = cone(200.0, -85.0, 3.0, 14)  # near the south pole
    poly = MOC.from_polygon_skycoord(SkyCoord([358.0, 3.0, 2.0, 357.5] * u.deg, [-5.0, -4.0, 2.0, 1.0] * u.deg), max_depth=14)
    return a.union(b).union(poly)


def sample_points(rng, centres, n_random=3000, n_near=600):
    ra = list(rng.uniform(0, 360, n_random))
    dec = list(np.degrees(np.arcsin(rng.uniform(-1, 1, n_random))))
    for cra, cdec, spread in centres:
        for _ in range(n_near):
            r = rng.uniform(0, spread)
            t = rng.uniform(0, 2 * np.pi)
            d = float(np.clip(cdec + r * np.sin(t), -89.999, 89.999))
            ra.append(float((cra + r * np.cos(t) / max(np.cos(np.radians(d)), 0.05)) % 360))
            dec.append(d)
    return np.array(ra), np.array(dec)


def contains(moc, ra, dec):
    return [bool(x) for x in moc.contains_lonlat(Longitude(ra * u.deg), Latitude(dec * u.deg))]


def pixel_of(ra, dec, depth):
    moc = MOC.from_lonlat(lon=Longitude([ra] * u.deg), lat=Latitude([dec] * u.deg), max_norder=depth)
    cells = json.loads(moc.to_string(format='json'))
    return int(cells[str(depth)][0])


def main():
    rng = np.random.default_rng(20260114)
    region = region_moc()
    region.save(os.path.join(HERE, 'region.fits'), format='fits', overwrite=True)
    with open(os.path.join(HERE, 'region.fits'), 'rb') as f, gzip.open(os.path.join(HERE, 'region.fits.gz'), 'wb') as g:
        g.write(f.read())
    region.save(os.path.join(HERE, 'region.json'), format='json', overwrite=True)

    deep = cone(150.0, 30.0, 2.0 / 3600, 20)
    deep.save(os.path.join(HERE, 'deep.json'), format='json', overwrite=True)

    with open(ALERT) as f:
        skymap = base64.b64decode(json.load(f)['event']['skymap'])
    with tempfile.NamedTemporaryFile(suffix='.fits') as tmp:
        tmp.write(skymap)
        tmp.flush()
        lvk = MOC.from_multiordermap_fits_file(tmp.name, cumul_from=0.0, cumul_to=0.9, strict=False, no_split=True)
    lvk.save(os.path.join(HERE, 'lvk90.json'), format='json', overwrite=True)

    lvk_cells = json.loads(lvk.to_string(format='json'))
    some = [(k, v[len(v) // 2]) for k, v in lvk_cells.items() if v][:3]
    lvk_centres = []
    for order, ipix in some:
        c = MOC.from_json({order: [ipix]})
        bary = c.barycenter() if hasattr(c, 'barycenter') else None
        if bary is not None:
            lvk_centres.append((float(bary.ra.deg), float(bary.dec.deg), 5.0))

    ra, dec = sample_points(rng, [(10.0, 20.0, 2.5), (200.0, -85.0, 4.0), (0.0, -1.5, 5.0)] + lvk_centres)
    dra, ddec = sample_points(rng, [(150.0, 30.0, 3.0 / 3600)], n_random=0, n_near=400)
    pix_ra = list(rng.uniform(0, 360, 60)) + [0.0, 359.9999999, 45.0, 90.0, 123.4]
    pix_dec = list(np.degrees(np.arcsin(rng.uniform(-1, 1, 60)))) + [89.9999, -89.9999, 41.8103149, -41.8103149, 0.0]
    points = {
        'mocpy': __import__('mocpy').__version__,
        'region': {'ra': ra.tolist(), 'dec': dec.tolist(), 'inside': contains(region, ra, dec)},
        'lvk90': {'ra': ra.tolist(), 'dec': dec.tolist(), 'inside': contains(lvk, ra, dec), 'skyFraction': float(lvk.sky_fraction)},
        'deep': {'ra': dra.tolist(), 'dec': ddec.tolist(), 'inside': contains(deep, dra, ddec)},
        'pixels': [
            {'ra': float(r), 'dec': float(d), 'order18': pixel_of(r, d, 18), 'order24': pixel_of(r, d, 24)} for r, d in zip(pix_ra, pix_dec)
        ],
    }
    with open(os.path.join(HERE, 'points.json'), 'w') as f:
        json.dump(points, f)


if __name__ == '__main__':
    main()
