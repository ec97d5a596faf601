import type { Kafka } from 'kafkajs';
import type { Config } from '../config/index.js';
import { StateTopic } from '../kafka/state-topic.js';
import type { Logger } from '../log/logger.js';
import type { CredentialLookup } from './auth.js';
import { parseTokenRecord, TokenStore, type TokenRecord } from './tokens.js';
import { parseUserRecord, UserStore, type UserRecord } from './users.js';

/** Users and tokens, each followed live from its compacted topic. */
export interface Platform {
  users: UserStore;
  tokens: TokenStore;
  credentials: CredentialLookup;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createPlatform(kafka: Kafka, config: Config, logger: Logger, clock: () => Date = () => new Date()): Platform {
  const users = new UserStore(new StateTopic<UserRecord>({ kafka, topic: config.topics.users, logger, parse: parseUserRecord }), clock);
  const tokens = new TokenStore(new StateTopic<TokenRecord>({ kafka, topic: config.topics.tokens, logger, parse: parseTokenRecord }), clock);
  return platformOf(users, tokens);
}

export function platformOf(users: UserStore, tokens: TokenStore): Platform {
  return {
    users,
    tokens,
    credentials: { token: (id) => tokens.get(id), user: (name) => users.get(name) },
    async start() {
      await Promise.all([users.start(), tokens.start()]);
    },
    async stop() {
      await Promise.allSettled([users.stop(), tokens.stop()]);
    },
  };
}
