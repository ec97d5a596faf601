"""Reference values for the ingest decoder, computed independently of Nightjar with fastavro.

Reads every alert file in ../shared/data (ZTF OCF; Rubin Confluent framing: skip the 0x00 byte and the
4-byte schema id, decode with the bundled schema of that id, record schemas loaded before the alert
schema; Rubin OCF) and applies the rules of docs/alert-model.md:
  ZTF:   mjd = jd - 2400000.5; band from fid 1,2,3 -> g,r,i; mag = magpsf; magErr = sigmapsf;
         flux = +-10**((31.4 - magpsf)/2.5) nJy, negative when isdiffpos is f/0;
         prv_candidates: candid null -> upper limit, else detection (skipping the alert's own candid);
         fp_hists with a forcediffimflux (not -99999) and magzpsci -> forced points.
  Rubin: mjd = midpointMjdTai; mag = -2.5 log10(psfFlux) + 31.4 when psfFlux > 0;
         magErr = 1.0857 psfFluxErr / |psfFlux|; objectId = diaObjectId (diaSource, else diaObject),
         else ssObjectId when that is 0 or null; prvDiaSources -> detections, prvDiaForcedSources -> forced.
Writes test/reference/alerts.json.  Run:  python3 test/reference/make_reference.py
"""
import io
import json
import math
import os
import struct

import fastavro
import fastavro.schema

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, '..', '..', '..', 'shared', 'data'))
SCHEMAS = os.path.normpath(os.path.join(HERE, '..', '..', 'schemas', 'lsst'))
LN10_FACTOR = 2.5 / math.log(10)
ZTF_SENTINELS = (-999, -9999, -99999)


def finite(v):
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)) and math.isfinite(v):
        return float(v)
    return None


def ztf_value(v):
    v = finite(v)
    return None if v is None or v in ZTF_SENTINELS else v


def rubin_schema(schema_id):
    version = '%d.%d' % (schema_id // 100, schema_id % 100)
    folder = os.path.join(SCHEMAS, version)
    files = sorted(os.listdir(folder))
    named = {}
    alert = [f for f in files if f.endswith('.alert.avsc')][0]
    for name in files:
        if name != alert:
            with open(os.path.join(folder, name)) as fh:
                fastavro.parse_schema(json.load(fh), named_schemas=named)
    with open(os.path.join(folder, alert)) as fh:
        return fastavro.parse_schema(json.load(fh), named_schemas=named)


def records(path):
    with open(path, 'rb') as fh:
        raw = fh.read()
    if raw[:4] == b'Obj\x01':
        return list(fastavro.reader(io.BytesIO(raw)))
    assert raw[0] == 0, path
    schema_id = struct.unpack('>I', raw[1:5])[0]
    return [fastavro.schemaless_reader(io.BytesIO(raw[5:]), rubin_schema(schema_id), None)]


def ztf(rec):
    c = rec['candidate']
    alert_id = str(rec.get('candid') if rec.get('candid') is not None else c['candid'])
    sign = -1.0 if c.get('isdiffpos') in ('f', '0') else 1.0
    mag = ztf_value(c.get('magpsf'))
    counts = {'detection': 1, 'upperlimit': 0, 'forced': 0}
    for p in rec.get('prv_candidates') or []:
        if p.get('jd') is None:
            continue
        if p.get('candid') is None:
            counts['upperlimit'] += 1
        elif str(p['candid']) != alert_id:
            counts['detection'] += 1
    for f in rec.get('fp_hists') or []:
        if f.get('jd') is not None and ztf_value(f.get('forcediffimflux')) is not None and ztf_value(f.get('magzpsci')) is not None:
            counts['forced'] += 1
    return {
        'survey': 'ztf',
        'alertId': alert_id,
        'objectId': rec['objectId'],
        'mjd': c['jd'] - 2400000.5,
        'ra': c['ra'],
        'dec': c['dec'],
        'band': {1: 'g', 2: 'r', 3: 'i'}.get(c['fid']),
        'mag': mag,
        'magErr': ztf_value(c.get('sigmapsf')),
        'flux': None if mag is None else sign * 10 ** ((31.4 - mag) / 2.5),
        'isPositive': True if c.get('isdiffpos') in ('t', '1') else False if c.get('isdiffpos') in ('f', '0') else None,
        'lightcurve': counts,
    }


def rubin_id(v):
    return None if v is None or v == 0 else str(v)


def rubin(rec):
    s = rec['diaSource']
    obj = rec.get('diaObject') or {}
    ss = rec.get('ssSource') or {}
    object_id = rubin_id(s.get('diaObjectId')) or rubin_id(obj.get('diaObjectId')) or rubin_id(s.get('ssObjectId')) or rubin_id(ss.get('ssObjectId'))
    flux = finite(s.get('psfFlux'))
    err = finite(s.get('psfFluxErr'))
    alert_id = str(s['diaSourceId'])
    counts = {'detection': 1, 'upperlimit': 0, 'forced': 0}
    for p in rec.get('prvDiaSources') or []:
        if finite(p.get('midpointMjdTai')) is not None and str(p.get('diaSourceId')) != alert_id:
            counts['detection'] += 1
    for p in rec.get('prvDiaForcedSources') or []:
        if finite(p.get('midpointMjdTai')) is not None:
            counts['forced'] += 1
    return {
        'survey': 'lsst',
        'alertId': alert_id,
        'objectId': object_id,
        'mjd': s['midpointMjdTai'],
        'ra': s['ra'],
        'dec': s['dec'],
        'band': s.get('band'),
        'mag': -2.5 * math.log10(flux) + 31.4 if flux is not None and flux > 0 else None,
        'magErr': LN10_FACTOR * err / abs(flux) if flux not in (None, 0.0) and err is not None else None,
        'flux': flux,
        'isPositive': None if flux is None else flux > 0,
        'lightcurve': counts,
    }


def main():
    out = []
    for survey in ('ztf', 'lsst'):
        folder = os.path.join(DATA, survey, 'alerts')
        for name in sorted(os.listdir(folder)):
            for index, rec in enumerate(records(os.path.join(folder, name))):
                row = ztf(rec) if 'candidate' in rec else rubin(rec)
                out.append({'file': '%s/alerts/%s' % (survey, name), 'index': index, **row})
    with open(os.path.join(HERE, 'alerts.json'), 'w') as fh:
        json.dump(out, fh, indent=1)
        fh.write('\n')
    print('wrote %d records' % len(out))


if __name__ == '__main__':
    main()
