import type { Logger } from '../log/logger.js';

/** Anything with an ordered, idempotent stop (a StageRunner, a server, a follower). */
export interface Stoppable {
  readonly name?: string;
  stop(): Promise<void>;
  /** Rejects when the component stopped because of an error; decides the exit code. */
  finished?(): Promise<void>;
}

export interface SignalHandlerOptions {
  logger: Logger;
  signals?: NodeJS.Signals[];
  /** Injected so tests can observe the exit instead of ending the test process. */
  exit?: (code: number) => void;
  process?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * On the first SIGINT/SIGTERM, stops every component (each drains and commits) and exits 0 when
 * all stopped cleanly, 1 otherwise. A second signal exits 1 at once, for an operator who will not
 * wait. Returns a function that removes the handlers.
 */
export function installSignalHandlers(components: readonly Stoppable[], options: SignalHandlerOptions): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const target = options.process ?? process;
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      options.logger.warn({ signal }, 'second signal: exiting without waiting for shutdown');
      exit(1);
      return;
    }
    stopping = true;
    options.logger.info({ signal }, 'shutting down');
    void stopAll(components, options.logger).then((clean) => exit(clean ? 0 : 1));
  };

  for (const signal of signals) target.on(signal, onSignal);
  return () => {
    for (const signal of signals) target.off(signal, onSignal);
  };
}

/** Stops all components side by side; true when every one of them stopped without an error. */
export async function stopAll(components: readonly Stoppable[], logger: Logger): Promise<boolean> {
  const results = await Promise.allSettled(
    components.map(async (component) => {
      await component.stop();
      await component.finished?.();
    }),
  );
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  for (const failure of failures) logger.error({ err: failure.reason }, 'a component stopped with an error');
  return failures.length === 0;
}
