import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log/logger.js';
import { installSignalHandlers, type Stoppable } from '../../../src/runner/shutdown.js';
import { waitFor } from '../../helpers/wait.js';

function component(name: string, log: string[], failure?: Error): Stoppable {
  let stops = 0;
  return {
    name,
    stop: async () => {
      stops++;
      log.push(`${name} stop ${stops}`);
    },
    finished: () => (failure ? Promise.reject(failure) : Promise.resolve()),
  };
}

function install(components: Stoppable[]) {
  const fakeProcess = new EventEmitter();
  const exits: number[] = [];
  const uninstall = installSignalHandlers(components, {
    logger: silentLogger(),
    exit: (code) => void exits.push(code),
    process: fakeProcess as unknown as Pick<NodeJS.Process, 'on' | 'off'>,
  });
  return { fakeProcess, exits, uninstall };
}

describe('installSignalHandlers', () => {
  it('stops every component once on SIGTERM and exits 0 when all stopped cleanly', async () => {
    const log: string[] = [];
    const { fakeProcess, exits } = install([component('a', log), component('b', log)]);
    fakeProcess.emit('SIGTERM', 'SIGTERM');
    await waitFor(() => exits.length === 1);
    expect(exits).toEqual([0]);
    expect(log.sort()).toEqual(['a stop 1', 'b stop 1']);
  });

  it('exits 1 when a component stopped because of an error', async () => {
    const { fakeProcess, exits } = install([component('a', []), component('b', [], new Error('stage failed'))]);
    fakeProcess.emit('SIGINT', 'SIGINT');
    await waitFor(() => exits.length === 1);
    expect(exits).toEqual([1]);
  });

  it('exits 1 at once on a second signal instead of stopping again', async () => {
    const log: string[] = [];
    const slow: Stoppable = { stop: () => new Promise(() => log.push('slow stop')) };
    const { fakeProcess, exits } = install([slow]);
    fakeProcess.emit('SIGTERM', 'SIGTERM');
    fakeProcess.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([1]);
    expect(log).toEqual(['slow stop']);
  });

  it('can be removed again', () => {
    const { fakeProcess, uninstall } = install([component('a', [])]);
    expect(fakeProcess.listenerCount('SIGTERM')).toBe(1);
    uninstall();
    expect(fakeProcess.listenerCount('SIGTERM')).toBe(0);
    expect(fakeProcess.listenerCount('SIGINT')).toBe(0);
  });
});
