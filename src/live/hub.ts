import type { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import type WebSocket from 'ws';
import type { Registry } from 'prom-client';
import { readableFilter } from '../api/access.js';
import type { Config } from '../config/index.js';
import { asNightjarError, NightjarError } from '../errors/index.js';
import { userTopic } from '../filter/model.js';
import type { FilterStore } from '../filter/store.js';
import type { Logger } from '../log/logger.js';
import { requireScope, type Principal } from '../platform/auth.js';
import type { Platform } from '../platform/platform.js';
import { tokenProblem } from '../platform/tokens.js';
import { CatchUp } from './catchup.js';
import { LiveConnection } from './connection.js';
import { decodeCursor, type Positions } from './cursor.js';
import { LiveFetcher } from './fetcher.js';
import type { TopicKind } from './message.js';
import { LiveMetrics, type DisconnectReason } from './metrics.js';
import { CloseCode, errorFrame, noticeFrame, parseClientMessage, type SubscribeRequest } from './protocol.js';
import { startOffsets, TopicReader } from './reader.js';
import { Subscription, type Selector } from './subscription.js';

export interface LiveHubOptions {
  kafka: Kafka;
  config: Config;
  platform: Platform;
  filters: FilterStore;
  registry: Registry;
  logger: Logger;
  clock?: () => Date;
}

interface Target {
  topic: string;
  kind: TopicKind;
  select: Selector;
}

/**
 * The live feeds of the api role (docs/live.md): the open websocket connections, their
 * subscriptions and the shared topic readers that feed them (all fed by one Kafka consumer). Connection limits, heartbeats and
 * token revocation are enforced here.
 */
export class LiveHub {
  readonly metrics: LiveMetrics;
  private readonly connections = new Set<LiveConnection>();
  private readonly byToken = new Map<string, Set<LiveConnection>>();
  private readonly readers = new Map<string, TopicReader>();
  private readonly fetcher: LiveFetcher;
  private readonly catchUps = new Map<Subscription, CatchUp>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private readonly unwatch: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: LiveHubOptions) {
    this.logger = options.logger.child({ component: 'live' });
    this.clock = options.clock ?? (() => new Date());
    this.metrics = new LiveMetrics(options.registry);
    this.fetcher = new LiveFetcher(options.kafka, options.config.runner.groupPrefix, this.logger);
    this.heartbeat = setInterval(() => this.beat(), options.config.live.heartbeatMs);
    this.heartbeat.unref();
    this.watch(options.platform.tokens.state, (key) => this.recheck((c) => c.principal.tokenId === key));
    this.watch(options.platform.users.state, (key) => this.recheck((c) => c.principal.user === key));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Takes over an upgraded websocket of an authenticated caller. */
  accept(ws: WebSocket, principal: Principal): void {
    const live = this.options.config.live;
    const connection = new LiveConnection(ws, principal, live, this.metrics, this.logger, (c, reason) => this.closed(c, reason));
    this.connections.add(connection);
    this.metrics.connections.inc();
    const sameToken = this.byToken.get(principal.tokenId) ?? new Set();
    this.byToken.set(principal.tokenId, sameToken);
    sameToken.add(connection);
    if (this.stopped) {
      connection.close(CloseCode.shutdown, 'server shutting down', 'shutdown');
      return;
    }
    if (this.connections.size > live.maxConnections) {
      connection.send(errorFrame(new NightjarError('LIVE_CONNECTION_LIMIT', `the server holds its maximum of ${live.maxConnections} live connections; retry later`)), 'error');
      connection.close(CloseCode.tryAgainLater, 'server connection limit', 'limit');
      return;
    }
    if (sameToken.size > live.maxConnectionsPerToken) {
      connection.send(errorFrame(new NightjarError('LIVE_CONNECTION_LIMIT', `this token has its maximum of ${live.maxConnectionsPerToken} live connections open`)), 'error');
      connection.close(CloseCode.tokenConnectionLimit, 'too many connections for this token', 'limit');
      return;
    }
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        connection.send(errorFrame(new NightjarError('LIVE_MESSAGE_INVALID', 'send JSON text frames, not binary ones')), 'error');
        return;
      }
      void this.handle(connection, data.toString());
    });
    ws.on('error', (err) => this.logger.debug({ err: err.message, user: principal.user }, 'live connection error'));
  }

  /** Closes every connection (1001) and stops the readers. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.heartbeat);
    for (const off of this.unwatch) off();
    for (const connection of this.connections) connection.close(CloseCode.shutdown, 'server shutting down', 'shutdown');
    await Promise.allSettled([...this.catchUps.values()].map((c) => c.stop()));
    // The consumer first: readers stopping one by one would each have it rebuilt for the rest.
    await this.fetcher.stop();
    await Promise.allSettled([...this.readers.values()].map((r) => r.stop()));
    this.readers.clear();
    const deadline = Date.now() + 2_000;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const connection of this.connections) connection.terminate('shutdown');
  }

  private async handle(connection: LiveConnection, text: string): Promise<void> {
    let id: string | undefined;
    try {
      const request = parseClientMessage(text);
      id = request.id;
      if (request.type === 'unsubscribe') {
        const subscription = connection.subscriptions.get(request.id);
        if (!subscription) throw new NightjarError('NOT_FOUND', `no subscription ${request.id} on this connection`, { details: { id: request.id } });
        this.unsubscribe(connection, subscription);
        connection.send(JSON.stringify({ type: 'unsubscribed', id: request.id }), 'unsubscribed');
        return;
      }
      id = request.id ?? connection.assignId();
      await this.subscribe(connection, { ...request, id });
    } catch (err) {
      const error = asNightjarError(err);
      if (error.status >= 500 && error.code !== 'KAFKA_UNAVAILABLE') this.logger.error({ err }, 'live request failed');
      connection.send(errorFrame(error, id ?? (error.details.id as string | undefined)), 'error');
    }
  }

  private async subscribe(connection: LiveConnection, request: SubscribeRequest & { id: string }): Promise<void> {
    const { id } = request;
    if (connection.subscriptions.has(id) || connection.pending.has(id)) throw new NightjarError('LIVE_SUBSCRIPTION_EXISTS', `this connection already has a subscription ${id}`);
    if (connection.subscriptions.size + connection.pending.size >= this.options.config.live.maxSubscriptions) {
      throw new NightjarError('LIVE_SUBSCRIPTION_LIMIT', `at most ${this.options.config.live.maxSubscriptions} subscriptions per connection`);
    }
    const target = this.target(connection.principal, request);
    const cursor = request.cursor === undefined ? undefined : decodeCursor(request.cursor, target.topic);
    connection.pending.add(id);
    const reader = this.reader(target);
    reader.acquire();
    let subscription: Subscription | undefined;
    try {
      await reader.start().catch((err: unknown) => {
        throw new NightjarError('KAFKA_UNAVAILABLE', `cannot follow ${request.stream}: ${(err as Error).message}`, { cause: err });
      });
      if (connection.closing) {
        reader.release();
        return;
      }
      const next: Positions = cursor ?? reader.livePositions();
      subscription = new Subscription(id, request.stream, target.topic, next, connection, target.select, request.fields, (s, error) => this.ended(connection, s, error));
      subscription.mode = cursor ? 'catchup' : 'live';
      connection.subscriptions.set(id, subscription);
      connection.send(JSON.stringify({ type: 'subscribed', id, stream: request.stream, cursor: subscription.cursor() }), 'subscribed');
      reader.attach(subscription);
      if (cursor) await this.resume(connection, subscription, reader);
    } catch (err) {
      if (!subscription) reader.release();
      else this.unsubscribe(connection, subscription);
      throw err;
    } finally {
      connection.pending.delete(id);
    }
  }

  /** Delivers what a cursor missed: from the reader's window when it reaches back far enough, else from Kafka until it does. */
  private async resume(connection: LiveConnection, subscription: Subscription, reader: TopicReader): Promise<void> {
    const handOver = (): boolean => {
      if (subscription.mode === 'live' || !reader.covers(subscription.next)) return subscription.mode === 'live';
      for (const message of reader.replay(subscription.next)) subscription.offerCatchUp(message);
      subscription.mode = 'live';
      return true;
    };
    if (handOver()) {
      this.metrics.resumes.window.inc();
      return;
    }
    const oldest = await startOffsets(this.options.kafka, subscription.topic).catch(() => null);
    const expired = [...(oldest ?? [])].filter(([p, low]) => (subscription.next.get(p) ?? 0) < low);
    if (expired.length > 0) {
      for (const [p, low] of expired) subscription.next.set(p, low);
      connection.send(noticeFrame('LIVE_CURSOR_EXPIRED', 'part of what you missed is past the topic\'s retention; delivery resumes from the oldest message kept', { partitions: expired.map(([p]) => p) }, subscription.id), 'notice');
      if (handOver()) {
        this.metrics.resumes.window.inc();
        return;
      }
    }
    if (connection.closing || !connection.subscriptions.has(subscription.id)) return;
    this.metrics.resumes.kafka.inc();
    const partitions = [...new Set([...reader.next.keys(), ...(oldest?.keys() ?? []), ...subscription.next.keys()])];
    const catchUp = new CatchUp({
      kafka: this.options.kafka,
      topic: subscription.topic,
      kind: reader.kind,
      from: new Map(subscription.next),
      partitions,
      deliver: (message) => {
        subscription.offerCatchUp(message);
        const done = handOver();
        if (done) this.catchUps.delete(subscription);
        return done;
      },
      congested: () => connection.congested,
      logger: this.logger,
    });
    this.catchUps.set(subscription, catchUp);
    await catchUp.start().catch(async (err: unknown) => {
      this.catchUps.delete(subscription);
      await catchUp.stop();
      throw new NightjarError('KAFKA_UNAVAILABLE', `cannot read back from the cursor: ${(err as Error).message}`, { cause: err });
    });
    // The client may have gone (or unsubscribed) while the reader started.
    if (this.catchUps.get(subscription) !== catchUp || !connection.subscriptions.has(subscription.id)) {
      this.catchUps.delete(subscription);
      await catchUp.stop();
    }
  }

  /** The topic a subscription reads and which of its records it wants; refuses what the caller may not read. */
  private target(principal: Principal, request: SubscribeRequest): Target {
    const { filters, config } = this.options;
    if (request.stream === 'enriched') {
      requireScope(principal, 'admin');
      return { topic: config.topics.enriched, kind: 'enriched', select: () => true };
    }
    if (request.stream === 'filter') {
      const filterId = request.filter!;
      const filter = readableFilter(filters, principal, filterId);
      const owner = filter.owner;
      return {
        topic: userTopic(owner),
        kind: 'matches',
        select: (message) => {
          if (message.filterId !== filterId) return false;
          const current = filters.get(filterId);
          return current && current.owner === owner && (current.public || current.owner === principal.user) ? true : 'end';
        },
      };
    }
    const wanted = request.filters ? new Set(request.filters) : undefined;
    for (const filterId of wanted ?? []) {
      if (filters.get(filterId)?.owner !== principal.user) throw new NightjarError('NOT_FOUND', `no filter ${filterId} of yours`, { details: { id: request.id, filter: filterId } });
    }
    return { topic: userTopic(principal.user), kind: 'matches', select: wanted ? (message) => message.filterId !== null && wanted.has(message.filterId) : () => true };
  }

  private reader(target: Target): TopicReader {
    let reader = this.readers.get(target.topic);
    if (!reader) {
      const created = new TopicReader(this.options.kafka, this.fetcher, target.topic, target.kind, this.options.config.live, this.logger, (r) => {
        if (this.readers.get(r.topic) === r) this.readers.delete(r.topic);
      });
      this.readers.set(target.topic, created);
      reader = created;
    }
    return reader;
  }

  private unsubscribe(connection: LiveConnection, subscription: Subscription): void {
    if (connection.subscriptions.get(subscription.id) === subscription) connection.subscriptions.delete(subscription.id);
    const catchUp = this.catchUps.get(subscription);
    if (catchUp) {
      this.catchUps.delete(subscription);
      void catchUp.stop();
    }
    const reader = this.readers.get(subscription.topic);
    if (reader) {
      reader.detach(subscription);
      reader.release();
    }
  }

  private ended(connection: LiveConnection, subscription: Subscription, error: NightjarError): void {
    this.unsubscribe(connection, subscription);
    connection.send(noticeFrame(error.code, error.message, {}, subscription.id), 'notice');
  }

  private closed(connection: LiveConnection, reason: DisconnectReason): void {
    if (!this.connections.delete(connection)) return;
    for (const subscription of [...connection.subscriptions.values()]) this.unsubscribe(connection, subscription);
    const sameToken = this.byToken.get(connection.principal.tokenId);
    sameToken?.delete(connection);
    if (sameToken?.size === 0) this.byToken.delete(connection.principal.tokenId);
    this.metrics.connections.dec();
    this.metrics.disconnects.labels(reason).inc();
  }

  private beat(): void {
    for (const connection of this.connections) {
      if (connection.closing) continue;
      if (!connection.alive) connection.terminate('heartbeat');
      else connection.ping();
    }
    this.recheck(() => true);
  }

  /** Closes (4003) the matching connections whose token is no longer valid: revoked, expired, or its user disabled. */
  private recheck(which: (connection: LiveConnection) => boolean): void {
    const { credentials } = this.options.platform;
    const now = this.clock();
    for (const connection of this.connections) {
      if (connection.closing || !which(connection)) continue;
      const record = credentials.token(connection.principal.tokenId);
      const user = record ? credentials.user(record.owner) : undefined;
      const problem = !record ? 'unknown' : (tokenProblem(record, now) ?? (!user || user.disabled ? 'disabled' : null));
      if (problem === null) continue;
      const text = problem === 'disabled' ? 'user disabled' : `token ${problem}`;
      connection.send(errorFrame(new NightjarError('AUTH_TOKEN_INVALID', `the connection's ${problem === 'disabled' ? 'user is disabled' : `token is ${problem}`}`)), 'error');
      connection.close(CloseCode.revoked, text, 'revoked');
    }
  }

  private watch(state: unknown, onChange: (key: string) => void): void {
    const emitter = state as Partial<EventEmitter>;
    if (typeof emitter.on !== 'function' || typeof emitter.off !== 'function') return;
    const listener = (key: string): void => onChange(key);
    emitter.on('change', listener);
    this.unwatch.push(() => emitter.off!('change', listener));
  }
}
