export { StageRunner, errorCode, type RunnerStats, type StageRunnerOptions } from './runner.js';
export { installSignalHandlers, stopAll, type SignalHandlerOptions, type Stoppable } from './shutdown.js';
export { retry, isRetriable, backoffDelay, retryPolicy, abortableSleep, type RetryPolicy, type RetryHooks, type Bail } from './retry.js';
export { IntakeBuffer, type IntakeAction, type WaterMarks } from './buffer.js';
export { runnerMetrics, type RunnerMetrics } from './metrics.js';
export type { ConsumedMessage, ProducedRecord, Stage } from './types.js';
