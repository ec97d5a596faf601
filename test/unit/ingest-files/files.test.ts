import { mkdtemp, readFile, rm, writeFile, mkdir, symlink } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlertFileError, readAlertMessages, type AlertFileItem } from '../../../src/ingest/files.js';
import { LSST_ALERTS, ZTF_ALERTS } from './data.js';

async function collect(paths: string[]): Promise<AlertFileItem[]> {
  const items: AlertFileItem[] = [];
  for await (const item of readAlertMessages(paths)) items.push(item);
  return items;
}

/** Writes a tar (gzipped when the name says so) holding the given members and a directory entry. */
async function writeArchive(path: string, members: { name: string; bytes: Buffer }[]): Promise<void> {
  const pack = tar.pack();
  pack.entry({ name: 'alerts/', type: 'directory' });
  for (const member of members) pack.entry({ name: member.name }, member.bytes);
  pack.finalize();
  const sink = createWriteStream(path);
  await (path.endsWith('.tar') ? pipeline(pack, sink) : pipeline(pack, createGzip(), sink));
}

describe('readAlertMessages', () => {
  let dir: string;
  const ztfNames = ['2695378462115010012.avro', 'ZTF19acihgng.avro', 'avro_multi_alerts.avro'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nightjar-files-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('yields one message per file of a directory, recursively and in sorted order, with the exact bytes', async () => {
    const items = await collect([ZTF_ALERTS.replace(/\/$/, ''), LSST_ALERTS]);
    expect(items.every((item) => !isAlertFileError(item))).toBe(true);
    expect(items.map((item) => item.source.split('/').slice(-1)[0])).toEqual([
      '2695378462115010012.avro',
      'ZTF19acihgng.avro',
      'ZTF19acxxwrs.avro',
      'avro_multi_alerts.avro',
      'ztf_20250302_programid1_ZTF17aaarzyp_2982177112815010003.v4_02.avro',
      'ztf_public_20221229_ZTF18abfkwnk_2188216843315010016.v3_3.avro',
      '7912941781254298.avro',
      'fink_rubin_4alerts.avro',
      'sample.lsst.v10_0.avro',
      'sample.lsst.v11_0.avro',
      'sample.lsst.v11_1.avro',
      'sample.lsst.v9_0.avro',
    ]);
    const first = items[0] as { source: string; bytes: Uint8Array };
    expect(Buffer.from(first.bytes).equals(await readFile(`${ZTF_ALERTS}2695378462115010012.avro`))).toBe(true);
  });

  it('walks nested directories, skipping symbolic links', async () => {
    const root = join(dir, 'tree');
    await mkdir(join(root, 'b', 'c'), { recursive: true });
    await writeFile(join(root, 'b', 'c', 'one.avro'), await readFile(`${ZTF_ALERTS}${ztfNames[0]}`));
    await writeFile(join(root, 'a.avro'), await readFile(`${ZTF_ALERTS}${ztfNames[1]}`));
    await symlink(`${ZTF_ALERTS}${ztfNames[2]}`, join(root, 'link.avro'));
    const items = await collect([root]);
    expect(items.map((item) => item.source)).toEqual([join(root, 'a.avro'), join(root, 'b', 'c', 'one.avro')]);
  });

  for (const name of ['nightly.tar.gz', 'nightly.tgz', 'nightly.tar']) {
    it(`streams the members of a ${name.slice(name.indexOf('.'))} archive as archive!member`, async () => {
      const members = await Promise.all(ztfNames.map(async (n) => ({ name: `alerts/${n}`, bytes: await readFile(`${ZTF_ALERTS}${n}`) })));
      const path = join(dir, name);
      await writeArchive(path, members);
      const items = await collect([path]);
      expect(items.map((item) => item.source)).toEqual(members.map((m) => `${path}!${m.name}`));
      items.forEach((item, i) => {
        expect(isAlertFileError(item)).toBe(false);
        expect(Buffer.from((item as { bytes: Uint8Array }).bytes).equals(members[i]!.bytes)).toBe(true);
      });
    });
  }

  it('reports an unreadable path as an error item and goes on with the next path', async () => {
    const missing = join(dir, 'does-not-exist.avro');
    const items = await collect([missing, `${ZTF_ALERTS}ZTF19acxxwrs.avro`]);
    expect(items).toHaveLength(2);
    const [error, ok] = items;
    expect(isAlertFileError(error!) && error.error.code).toBe('INPUT_UNREADABLE');
    expect(error!.source).toBe(missing);
    expect(isAlertFileError(ok!)).toBe(false);
  });

  it('reports a corrupt archive as an error item after the members it could read', async () => {
    const path = join(dir, 'broken.tar.gz');
    await writeArchive(path, [{ name: 'alerts/a.avro', bytes: await readFile(`${ZTF_ALERTS}${ztfNames[0]}`) }]);
    const whole = await readFile(path);
    await writeFile(path, whole.subarray(0, Math.floor(whole.length / 2)));
    const items = await collect([path, `${ZTF_ALERTS}ZTF19acxxwrs.avro`]);
    const errors = items.filter(isAlertFileError);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error.code).toBe('INPUT_UNREADABLE');
    expect(errors[0]!.source).toBe(path);
    expect(items[items.length - 1]!.source).toBe(`${ZTF_ALERTS}ZTF19acxxwrs.avro`);
  });
});
