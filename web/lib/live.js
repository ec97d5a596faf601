// One websocket to /api/v1/live for the whole page: subscriptions, cursors for resuming after a
// reconnect, and a bounded list of what arrived (the live feed and the sky view read it).
import { useEffect, useState } from 'preact/hooks';
import { getToken } from './api.js';

/** Most recent items kept in the page (older ones fall off: the page's memory stays bounded). */
export const MAX_ITEMS = 1_000;
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
/** Alerts arriving within this window are shown together: one render per window, not per alert (hundreds a second at peak). */
const RENDER_EVERY_MS = 250;
/**
 * The enriched stream carries every alert; the page asks the server for the fields it shows
 * (docs/live.md, field selection) rather than whole alerts with their light curves.
 */
export const ENRICHED_FIELDS = ['survey', 'alertId', 'objectId', 'mjd', 'ra', 'dec', 'band', 'mag', 'magErr', 'snr', 'reliability', 'isPositive', 'anomaly.score', 'lc.all.ndet', 'lc.all.daysSinceFirst'];

function createLive() {
  const state = { status: 'idle', detail: '', items: [], received: 0, notices: [], streams: [], watching: [] };
  const listeners = new Set();
  const cursors = new Map();
  let socket;
  let attempt = 0;
  let timer;
  let wanted = [];
  let pending = [];
  let arrived = 0;
  let flushTimer;

  const emit = () => {
    for (const listener of listeners) listener({ ...state });
  };
  const flush = () => {
    flushTimer = undefined;
    state.items = [...pending.reverse(), ...state.items].slice(0, MAX_ITEMS);
    state.received += arrived;
    pending = [];
    arrived = 0;
    emit();
  };
  const set = (patch) => {
    Object.assign(state, patch);
    emit();
  };

  function frame(message) {
    if (message.type === 'subscribed') {
      // The position at subscription time: resuming from it has no gap even before the first alert.
      if (message.id && message.cursor !== undefined && !cursors.has(message.id)) cursors.set(message.id, message.cursor);
    } else if (message.type === 'alert') {
      if (message.sub && message.cursor !== undefined) cursors.set(message.sub, message.cursor);
      const data = message.data ?? {};
      const alert = data.alert ?? data;
      const filter = message.filter ?? data.filter ?? null;
      const sub = wanted.find((w) => w.id === message.sub);
      const item = { key: `${message.sub}:${message.cursor ?? state.received + arrived}`, stream: sub?.stream ?? (filter ? 'matches' : 'enriched'), sub: message.sub, cursor: message.cursor, filter, alert, at: Date.now() };
      pending.push(item);
      arrived += 1;
      if (pending.length > MAX_ITEMS) pending = pending.slice(-MAX_ITEMS);
      flushTimer ??= setTimeout(flush, RENDER_EVERY_MS);
    } else if (message.type === 'error' || message.type === 'notice' || message.type === 'warning') {
      state.notices = [{ type: message.type, code: message.code ?? message.error?.code ?? '', message: message.message ?? message.error?.message ?? JSON.stringify(message), sub: message.sub ?? message.id, at: Date.now() }, ...state.notices].slice(0, 20);
      emit();
    }
  }

  function connect() {
    const token = getToken();
    if (!token || wanted.length === 0) return;
    clearTimeout(timer);
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`;
    set({ status: 'connecting', detail: '' });
    let ws;
    try {
      ws = new WebSocket(url, ['nightjar.v1', `nightjar.token.${token}`]);
    } catch (err) {
      set({ status: 'error', detail: String(err) });
      return;
    }
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      set({ status: 'open', detail: '', streams: wanted.map((w) => w.stream) });
      for (const sub of wanted) ws.send(JSON.stringify({ type: 'subscribe', ...sub, ...(cursors.has(sub.id) ? { cursor: cursors.get(sub.id) } : {}) }));
    };
    ws.onmessage = (event) => {
      try {
        frame(JSON.parse(event.data));
      } catch {
        // A frame that is not JSON is not ours to show.
      }
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = undefined;
      const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];
      attempt += 1;
      // 4003: the token was revoked or expired; retrying with it cannot help (docs/live.md, close codes).
      const final = event.code === 4003;
      set({ status: 'closed', detail: `closed (${event.code}${event.reason ? `: ${event.reason}` : ''})${final ? '; sign in with a valid token' : `; retrying in ${delay / 1000} s`}` });
      if (!final) timer = setTimeout(connect, delay);
    };
  }

  return {
    /** Subscribes to the given streams (e.g. [{ id: 'm', stream: 'matches' }]) and keeps the connection up. */
    start(subscriptions) {
      const same = JSON.stringify(subscriptions) === JSON.stringify(wanted);
      wanted = subscriptions;
      if (same && socket) return;
      this.stop(false);
      connect();
    },
    /** Adds a subscription (e.g. someone's public filter) now, and to those renewed after a reconnect. */
    add(subscription) {
      if (wanted.some((w) => w.id === subscription.id)) return;
      wanted = [...wanted, subscription];
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'subscribe', ...subscription }));
      set({ watching: wanted.filter((w) => w.stream === 'filter').map((w) => w.filter) });
    },
    remove(id) {
      if (!wanted.some((w) => w.id === id)) return;
      wanted = wanted.filter((w) => w.id !== id);
      cursors.delete(id);
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'unsubscribe', id }));
      set({ watching: wanted.filter((w) => w.stream === 'filter').map((w) => w.filter) });
    },
    stop(clear = true) {
      clearTimeout(timer);
      const ws = socket;
      socket = undefined;
      ws?.close(1000, 'bye');
      if (clear) {
        clearTimeout(flushTimer);
        flushTimer = undefined;
        pending = [];
        arrived = 0;
        wanted = [];
        cursors.clear();
        set({ status: 'idle', detail: '', items: [], received: 0, notices: [], watching: [] });
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      listener({ ...state });
      return () => listeners.delete(listener);
    },
    get state() {
      return { ...state };
    },
  };
}

export const live = createLive();

/** The live state as a Preact hook. */
export function useLive() {
  const [value, setValue] = useState(live.state);
  useEffect(() => live.subscribe(setValue), []);
  return value;
}
