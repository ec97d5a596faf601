import { describe, expect, it } from 'vitest';
import { isNightjarError } from '../../../src/errors/index.js';
import { decodeCursor, encodeCursor } from '../../../src/live/cursor.js';
import { checkFieldPaths, selectFields } from '../../../src/live/fields.js';
import { LiveMessage } from '../../../src/live/message.js';
import { parseClientMessage } from '../../../src/live/protocol.js';
import { liveToken } from '../../../src/live/route.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isNightjarError(err) ? err.code : 'NOT_A_NIGHTJAR_ERROR';
  }
  return undefined;
}

describe('live cursors', () => {
  it('round-trips positions per partition and refuses a cursor of another topic or a forged one', () => {
    const cursor = encodeCursor('nightjar.user.ada', new Map([[0, 17], [2, 3]]));
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 'nightjar.user.ada')).toEqual(new Map([[0, 17], [2, 3]]));
    expect(codeOf(() => decodeCursor(cursor, 'nightjar.user.bob'))).toBe('LIVE_CURSOR_INVALID');
    expect(codeOf(() => decodeCursor('not a cursor!', 't'))).toBe('LIVE_CURSOR_INVALID');
    expect(codeOf(() => decodeCursor(Buffer.from('{"v":1,"t":"t","o":{"0":-1}}').toString('base64url'), 't'))).toBe('LIVE_CURSOR_INVALID');
    expect(codeOf(() => decodeCursor(Buffer.from('[1]').toString('base64url'), 't'))).toBe('LIVE_CURSOR_INVALID');
  });
});

describe('field selection', () => {
  const alert = { alertId: '1', mag: 17.2, lc: { all: { ndet: 4, std: 0.1 }, g: { ndet: 2 } }, xmatch: { gaia: null }, ztf: { candidate: { magpsf: 17.2 } } };

  it('keeps the named dotted paths, nested as in the alert, and leaves absent ones out', () => {
    expect(selectFields(alert, ['alertId', 'lc.all.ndet', 'ztf.candidate.magpsf', 'missing', 'xmatch.gaia.sep'])).toEqual({ alertId: '1', lc: { all: { ndet: 4 } }, ztf: { candidate: { magpsf: 17.2 } } });
    expect(selectFields(alert, ['lc.g', 'xmatch.gaia'])).toEqual({ lc: { g: { ndet: 2 } }, xmatch: { gaia: null } });
  });

  it('refuses malformed and prototype paths', () => {
    expect(checkFieldPaths(['mag', 'mag', 'lc.all.ndet'])).toEqual(['mag', 'lc.all.ndet']);
    for (const bad of [[], ['a..b'], ['__proto__.x'], ['a.constructor'], [1], 'mag', Array(101).fill('mag')]) {
      expect(codeOf(() => checkFieldPaths(bad))).toBe('LIVE_MESSAGE_INVALID');
    }
    expect(selectFields(alert, ['toString', 'hasOwnProperty'])).toEqual({});
  });
});

describe('client messages', () => {
  it('parses subscribe and unsubscribe requests', () => {
    expect(parseClientMessage('{"type":"subscribe","id":"a","stream":"matches","filters":["f1"],"fields":["mag"],"cursor":"abc"}')).toEqual({ type: 'subscribe', id: 'a', stream: 'matches', filters: ['f1'], fields: ['mag'], cursor: 'abc' });
    expect(parseClientMessage('{"type":"subscribe","stream":"filter","filter":"tde"}')).toEqual({ type: 'subscribe', stream: 'filter', filter: 'tde', id: undefined });
    expect(parseClientMessage('{"type":"unsubscribe","id":"a"}')).toEqual({ type: 'unsubscribe', id: 'a' });
  });

  it('refuses bad requests with LIVE_MESSAGE_INVALID or LIVE_CURSOR_INVALID', () => {
    const cases: [string, string][] = [
      ['nope', 'LIVE_MESSAGE_INVALID'],
      ['[]', 'LIVE_MESSAGE_INVALID'],
      ['{"type":"hello"}', 'LIVE_MESSAGE_INVALID'],
      ['{"type":"subscribe","stream":"everything"}', 'LIVE_MESSAGE_INVALID'],
      ['{"type":"subscribe","stream":"filter"}', 'LIVE_MESSAGE_INVALID'],
      ['{"type":"subscribe","stream":"enriched","filters":["a"]}', 'LIVE_MESSAGE_INVALID'],
      ['{"type":"subscribe","stream":"matches","extra":1}', 'LIVE_MESSAGE_INVALID'],
      ['{"type":"subscribe","stream":"matches","id":"has space"}', 'LIVE_MESSAGE_INVALID'],
      ['{"type":"subscribe","stream":"matches","cursor":5}', 'LIVE_CURSOR_INVALID'],
      ['{"type":"unsubscribe"}', 'LIVE_MESSAGE_INVALID'],
    ];
    for (const [text, code] of cases) expect([text, codeOf(() => parseClientMessage(text))]).toEqual([text, code]);
  });
});

describe('live messages', () => {
  it('parses a match once and builds the data JSON once per field selection', () => {
    const value = Buffer.from(JSON.stringify({ filter: { id: 'f', version: 2, owner: 'ada' }, matchedAt: '2026-01-01T00:00:00.000Z', alert: { alertId: '7', mag: 18 } }));
    const message = new LiveMessage('matches', 1, 42, value, { 'nightjar-filter-id': Buffer.from('f') });
    expect(message.filterId).toBe('f');
    expect(JSON.parse(`{"x":1${message.tail('mag', ['mag'])}}`)).toEqual({ x: 1, filter: { id: 'f', version: 2 }, matchedAt: '2026-01-01T00:00:00.000Z', data: { mag: 18 } });
    expect(message.tail('mag', ['mag'])).toBe(message.tail('mag', ['mag']));
    expect(new LiveMessage('matches', 0, 1, Buffer.from('{broken'), {}).tail('', undefined)).toBeNull();
  });
});

describe('live token', () => {
  const token = `nj_${'a'.repeat(43)}`;
  it('comes from the Authorization header, the token subprotocol, or the query string, in that order', () => {
    expect(liveToken({ headers: { authorization: `Bearer ${token}` }, query: {} })).toBe(token);
    expect(liveToken({ headers: { 'sec-websocket-protocol': `nightjar.v1, nightjar.token.${token}` }, query: {} })).toBe(token);
    expect(liveToken({ headers: {}, query: { token } })).toBe(token);
    expect(liveToken({ headers: { 'sec-websocket-protocol': 'nightjar.v1' }, query: {} })).toBeUndefined();
  });
});
