/**
 * The part of StateTopic the platform stores use: the latest record per key, and a way to publish
 * a new one that returns once this process has applied it. Kept narrow so the stores' rules can be
 * tested with an in-memory map.
 */
export interface KeyedState<T> {
  get(key: string): T | undefined;
  values(): T[];
  publish(key: string, value: T | null): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
