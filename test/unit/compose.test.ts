import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { roleNames } from '../../src/cli/roles.js';
import { defaults, envName } from '../../src/config/index.js';

type Service = { image?: string; build?: string; command?: string[]; environment?: Record<string, string | number>; ports?: string[]; volumes?: string[] };
const root = new URL('../../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const prometheus = parse(readFileSync(new URL('deploy/prometheus.yml', root), 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };

function leafPaths(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? leafPaths(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}
const settingVariables = new Set(leafPaths(defaults).map(envName));

describe('docker-compose.yml', () => {
  const services = compose.services;

  it('runs Kafka, a schema registry, ClickHouse, Prometheus, Grafana and every Nightjar role', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['kafka', 'schema-registry', 'clickhouse', 'prometheus', 'grafana', ...roleNames]));
  });

  it('starts each role with the run command of that role and only real settings', () => {
    for (const role of roleNames) {
      const service = services[role]!;
      expect(service.command).toEqual(['run', '--roles', role]);
      for (const name of Object.keys(service.environment ?? {})) expect(settingVariables, `${role}: ${name}`).toContain(name);
    }
  });

  it('wires the roles to the services by their names and the configured ports', () => {
    const env = services.worker!.environment!;
    expect(env[envName('kafka.brokers')]).toBe(`kafka:${defaults.kafka.port}`);
    expect(env[envName('clickhouse.url')]).toBe(`http://clickhouse:${defaults.clickhouse.httpPort}`);
    expect(String(env[envName('api.port')])).toBe(String(defaults.api.port));
    expect(services.api!.ports).toContain(`${defaults.api.port}:${defaults.api.port}`);
    expect(services.kafka!.ports).toContain(`${defaults.kafka.port}:${defaults.kafka.port}`);
    expect(services.clickhouse!.ports).toContain(`${defaults.clickhouse.httpPort}:${defaults.clickhouse.httpPort}`);
    expect(services.kafka!.image).toMatch(/kafka:3\.9/);
  });

  it('has Prometheus scrape every role on its API port, and mounts files that exist', () => {
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    for (const role of roleNames) expect(targets).toContain(`${role}:${defaults.api.port}`);
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) expect(existsSync(new URL(volume.split(':')[0]!, root)), volume).toBe(true);
    }
    expect(existsSync(new URL('Dockerfile', root))).toBe(true);
  });

  it('passes `docker compose config` where the compose client exists', () => {
    let hasCompose = true;
    try {
      execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    } catch {
      hasCompose = false;
    }
    // Without the compose plugin (as on these machines) the checks above are the whole test.
    if (hasCompose) execFileSync('docker', ['compose', '-f', 'docker-compose.yml', 'config', '-q'], { cwd: root });
    expect(typeof hasCompose).toBe('boolean');
  });
});
