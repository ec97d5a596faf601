import { NightjarError } from '../errors/index.js';

/** Per partition, the offset of the next message a subscription has not yet seen. */
export type Positions = Map<number, number>;

interface CursorBody {
  v: 1;
  t: string;
  o: Record<string, number>;
}

/**
 * A resumable position in one topic: base64url JSON of the topic and, per partition, the next
 * offset. Opaque to clients (docs/live.md); the topic inside lets the server refuse a cursor of
 * another stream instead of replaying the wrong offsets.
 */
export function encodeCursor(topic: string, next: Positions): string {
  const o: Record<string, number> = {};
  for (const [partition, offset] of next) o[partition] = offset;
  return Buffer.from(JSON.stringify({ v: 1, t: topic, o } satisfies CursorBody)).toString('base64url');
}

/** The positions of a cursor for `topic`, or LIVE_CURSOR_INVALID. */
export function decodeCursor(cursor: string, topic: string): Positions {
  let body: Partial<CursorBody>;
  try {
    if (cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorBody>;
  } catch {
    throw new NightjarError('LIVE_CURSOR_INVALID', 'the cursor is not one this server issued');
  }
  if (body?.v !== 1 || typeof body.o !== 'object' || body.o === null) throw new NightjarError('LIVE_CURSOR_INVALID', 'the cursor is not one this server issued');
  if (body.t !== topic) throw new NightjarError('LIVE_CURSOR_INVALID', 'the cursor belongs to another stream', { details: { expected: topic } });
  const positions: Positions = new Map();
  for (const [key, value] of Object.entries(body.o)) {
    const partition = Number(key);
    if (!Number.isInteger(partition) || partition < 0 || !Number.isSafeInteger(value) || value < 0) throw new NightjarError('LIVE_CURSOR_INVALID', 'the cursor has a malformed position');
    positions.set(partition, value);
  }
  return positions;
}
