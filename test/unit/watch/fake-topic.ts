import { EventEmitter } from 'node:events';
import { parseWatchValue, type WatchRecord, type WatchValue } from '../../../src/annotate/watch/records.js';
import type { WatchTopic } from '../../../src/annotate/watch/state.js';

/** The watchlists topic in memory: records go through the same parse a real follower applies. */
export class MemoryWatchTopic extends EventEmitter implements WatchTopic {
  private readonly state = new Map<string, WatchValue>();

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  get(key: string): WatchValue | undefined {
    return this.state.get(key);
  }

  put(key: string, record: WatchRecord | null): void {
    const previous = this.state.get(key);
    if (record === null) {
      this.state.delete(key);
      this.emit('change', key, undefined, previous);
      return;
    }
    const value = parseWatchValue(JSON.parse(JSON.stringify(record)), key);
    this.state.set(key, value);
    this.emit('change', key, value, previous);
  }
}
