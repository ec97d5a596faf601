import { readFileSync } from 'node:fs';
import { NightjarError } from '../errors/index.js';
import { defaults, rules, type Config } from './schema.js';

export { defaults, type Config, type LogLevel } from './schema.js';

const ENV_PREFIX = 'NIGHTJAR_';

export interface LoadOptions {
  /** Environment to read overrides from (defaults to process.env). */
  env?: Record<string, string | undefined>;
  /** Path of a JSON config file; also taken from NIGHTJAR_CONFIG. */
  file?: string;
  /** Overrides applied last (e.g. from command-line flags or tests), as a nested partial. */
  overrides?: DeepPartial<Config>;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

/**
 * Loads the configuration: defaults, then the config file, then NIGHTJAR_* environment
 * variables, then explicit overrides. Validated once; an invalid value throws CONFIG_INVALID
 * naming the setting and the allowed values.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const config = structuredClone(defaults) as Config;
  const file = options.file ?? env[`${ENV_PREFIX}CONFIG`];
  if (file) merge(config, readConfigFile(file), 'file');
  for (const [path, value] of Object.entries(envOverrides(env))) setPath(config, path, value);
  if (options.overrides) merge(config, options.overrides as Record<string, unknown>, 'overrides');
  validate(config);
  return config;
}

/** The environment variable that overrides a setting, e.g. `runner.highWaterMark` → NIGHTJAR_RUNNER_HIGH_WATER_MARK. */
export function envName(path: string): string {
  return ENV_PREFIX + path.split('.').map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/** True when Kafka brokers are configured, so nothing is started locally. */
export function usesExternalKafka(config: Config): boolean {
  return config.kafka.brokers.length > 0;
}

export function usesExternalClickHouse(config: Config): boolean {
  return config.clickhouse.url !== '';
}

export function kafkaBrokers(config: Config): string[] {
  return usesExternalKafka(config) ? config.kafka.brokers : [`127.0.0.1:${config.kafka.port}`];
}

export function clickhouseUrl(config: Config): string {
  return usesExternalClickHouse(config) ? config.clickhouse.url : `http://127.0.0.1:${config.clickhouse.httpPort}`;
}

function readConfigFile(file: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the top level must be a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new NightjarError('CONFIG_FILE_UNREADABLE', `cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function envOverrides(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const path of leafPaths(defaults)) {
    const value = env[envName(path)];
    if (value !== undefined) out[path] = value;
  }
  // The conventional variable of Kafka tooling, honoured when the prefixed one is absent.
  if (env.KAFKA_BROKERS && env[envName('kafka.brokers')] === undefined) out['kafka.brokers'] = env.KAFKA_BROKERS;
  return out;
}

function leafPaths(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? leafPaths(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

/** Sets a leaf from environment text, converting it to the type of the default. */
function setPath(config: Config, path: string, text: string): void {
  const { parent, key } = locate(config, path);
  const current = parent[key];
  if (Array.isArray(current)) parent[key] = text.split(',').map((s) => s.trim()).filter(Boolean);
  else if (typeof current === 'number') parent[key] = text.trim() === '' ? Number.NaN : Number(text);
  else if (typeof current === 'boolean') parent[key] = parseBoolean(path, text);
  else parent[key] = text;
}

function parseBoolean(path: string, text: string): boolean {
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw invalid(path, text, 'allowed values: true or false');
}

function merge(target: Record<string, unknown>, source: Record<string, unknown>, origin: string, prefix = ''): void {
  for (const [key, value] of Object.entries(source)) {
    const path = `${prefix}${key}`;
    if (!Object.hasOwn(target, key)) throw new NightjarError('CONFIG_INVALID', `unknown setting ${path} in ${origin}`, { details: { setting: path } });
    const current = target[key];
    if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(path, value, 'allowed values: an object of settings');
      merge(current as Record<string, unknown>, value as Record<string, unknown>, origin, `${path}.`);
    } else {
      target[key] = value;
    }
  }
}

function validate(config: Config): void {
  for (const path of leafPaths(defaults)) {
    const expected = locate(defaults as unknown as Config, path);
    const actual = locate(config, path);
    const want = expected.parent[expected.key];
    const got = actual.parent[actual.key];
    if (Array.isArray(want)) {
      if (!Array.isArray(got) || !got.every((item) => typeof item === 'string')) throw invalid(path, got, 'allowed values: a list of strings');
    } else if (typeof want === 'number') {
      if (typeof got !== 'number' || !Number.isFinite(got)) throw invalid(path, got, 'allowed values: a number');
    } else if (typeof got !== typeof want) {
      throw invalid(path, got, `allowed values: a ${typeof want}`);
    }
    const problem = rules[path]?.(got);
    if (problem) throw invalid(path, got, problem);
  }
}

function locate(config: Config, path: string): { parent: Record<string, unknown>; key: string } {
  const parts = path.split('.');
  let parent = config as unknown as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) parent = parent[part] as Record<string, unknown>;
  return { parent, key: parts[parts.length - 1]! };
}

function invalid(path: string, value: unknown, allowed: string): NightjarError {
  return new NightjarError('CONFIG_INVALID', `invalid setting ${path} (${envName(path)}) = ${JSON.stringify(value)}; ${allowed}`, {
    details: { setting: path, env: envName(path) },
  });
}
