import { describe, expect, it } from 'vitest';
import { parseReplayArgs, surveyTopic } from '../../../src/cli/replay.js';
import { formatBytes, Progress } from '../../../src/cli/progress.js';
import { loadConfig } from '../../../src/config/index.js';

describe('parseReplayArgs', () => {
  it('reads a file replay with every option', () => {
    expect(parseReplayArgs(['a.avro', 'dir', '--topic', 't', '--rate', '250', '--loop', '--speedup', '3600', '--max-gap', '2.5'])).toEqual({
      paths: ['a.avro', 'dir'],
      topic: 't',
      rate: 250,
      loop: true,
      speedup: 3600,
      maxGapMs: 2500,
    });
  });

  it('reads a synthetic replay, choosing a random seed only when none is given', () => {
    expect(parseReplayArgs(['--synthetic', '1000', '--survey', 'lsst', '--seed', '7'])).toMatchObject({ paths: [], synthetic: { count: 1000, survey: 'lsst', seed: 7 } });
    expect(parseReplayArgs(['--synthetic', '5', '--survey', 'ztf'], () => 1234).synthetic?.seed).toBe(1234);
    expect(parseReplayArgs(['--synthetic', '5', '--survey', 'ztf', '--templates', 'x', '--templates', 'y']).synthetic?.templates).toEqual(['x', 'y']);
  });

  it.each([
    [[], /give alert files/],
    [['a.avro', '--rate', '0'], /--rate must be a positive number/],
    [['a.avro', '--speedup', 'fast'], /--speedup must be a positive number/],
    [['a.avro', '--survey', 'ztf'], /--survey applies to --synthetic only/],
    [['--synthetic', '10'], /needs --survey ztf or --survey lsst/],
    [['--synthetic', '10', '--survey', 'hst'], /needs --survey ztf or --survey lsst/],
    [['--synthetic=-1', '--survey', 'ztf'], /--synthetic must be a non-negative integer/],
    [['--synthetic', '2', '--survey', 'ztf', 'file.avro'], /takes no paths/],
    [['a.avro', '--bogus'], /Unknown option '--bogus'/],
  ])('rejects %j with CLI_USAGE', (argv, message) => {
    expect(() => parseReplayArgs(argv as string[])).toThrow(expect.objectContaining({ code: 'CLI_USAGE', message: expect.stringMatching(message) }));
  });

  it("defaults each survey's topic from the configuration", () => {
    const config = loadConfig({ env: {}, overrides: { topics: { ztf: 'z-in', lsst: 'l-in' } } });
    expect(surveyTopic(config, 'ztf')).toBe('z-in');
    expect(surveyTopic(config, 'lsst')).toBe('l-in');
  });
});

describe('Progress', () => {
  function capture(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, output: { isTTY, write: (text: string) => writes.push(text) } };
  }

  it('on a terminal redraws one line in place with a bar when the total is known', () => {
    let now = 0;
    const { writes, output } = capture(true);
    const progress = new Progress({ label: 'replay', total: 10, output, now: () => now });
    now = 2000;
    progress.update({ done: 5, failed: 1, bytes: 2048 });
    progress.finish();
    expect(writes[0]).toBe(`\r\x1b[2Kreplay: [${'#'.repeat(15)}${'.'.repeat(15)}] 5/10 (2.0 KiB, 2.5/s, 1 failed)`);
    expect(writes.at(-1)).toBe('\n');
  });

  it('elsewhere writes plain lines no more often than the interval', () => {
    let now = 0;
    const { writes, output } = capture(false);
    const progress = new Progress({ label: 'replay', output, now: () => now, intervalMs: 1000 });
    for (let i = 1; i <= 30; i++) {
      now = i * 100;
      progress.update({ done: i, failed: 0, bytes: 0 });
    }
    expect(writes).toEqual(['replay: 1 (0 B, 10.0/s)\n', 'replay: 11 (0 B, 10.0/s)\n', 'replay: 21 (0 B, 10.0/s)\n']);
  });

  it('formats sizes in binary units', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 ** 2), formatBytes(3 * 1024 ** 3)]).toEqual(['512 B', '1.5 KiB', '5.0 MiB', '3.00 GiB']);
  });
});
