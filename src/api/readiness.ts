import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin } from 'kafkajs';

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** A dependency /readyz reports on; probes are cached briefly so a scrape storm cannot hammer Kafka. */
export interface ReadinessCheck {
  name: string;
  probe(): Promise<ProbeResult>;
}

export function cachedProbe(name: string, probe: () => Promise<string>, ttlMs = 2_000, timeoutMs = 5_000): ReadinessCheck {
  let last: { at: number; result: ProbeResult } | undefined;
  return {
    name,
    async probe() {
      if (last && Date.now() - last.at < ttlMs) return last.result;
      const result = await withTimeout(probe(), timeoutMs).then(
        (detail): ProbeResult => ({ ok: true, detail }),
        (err: unknown): ProbeResult => ({ ok: false, detail: err instanceof Error ? err.message : String(err) }),
      );
      last = { at: Date.now(), result };
      return result;
    },
  };
}

export function kafkaReadiness(admin: Admin): ReadinessCheck {
  return cachedProbe('kafka', async () => {
    const cluster = await admin.describeCluster();
    return `${cluster.brokers.length} broker(s), controller ${cluster.controller}`;
  });
}

export function clickhouseReadiness(client: ClickHouseClient): ReadinessCheck {
  return cachedProbe('clickhouse', async () => {
    const result = await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
    const rows = await result.json<{ v: string }>();
    return `version ${rows[0]?.v ?? 'unknown'}`;
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
