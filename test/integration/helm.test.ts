import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { roleNames } from '../../src/cli/roles.js';
import { defaults, envName, loadConfig } from '../../src/config/index.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const chart = join(root, 'deploy/helm/nightjar');
/** The chart's roles; every role of `nightjar run` must be one of them. */
const CHART_ROLES = ['worker', 'api', 'sink', 'trainer', 'jobs'];

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}
interface Container {
  name: string;
  args: string[];
  env: EnvVar[];
  envFrom: { secretRef: { name: string } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  startupProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  spec: any;
  data?: Record<string, string>;
}

/** Values an operator would give: external services, settings in YAML (numbers, lists), a per-role override. */
const operatorValues = {
  kafka: { brokers: 'kafka-0.kafka:9092,kafka-1.kafka:9092' },
  clickhouse: { url: 'http://clickhouse.db:8123', database: 'archive' },
  schemaRegistry: { url: 'http://registry:8081' },
  config: {
    kafka: { partitions: 12 },
    topics: { input: ['ztf-alerts', 'lsst-alerts', '/^survey-.*/'] },
    ingest: { maxMessageBytes: 16777216 },
    filters: { runawayShare: 0.02 },
    annotate: { features: false },
  },
  secret: { clickhousePassword: 'ch-pass-0123', extra: { NIGHTJAR_SCHEMA_REGISTRY_URL: 'http://user:pw@registry:8081' } },
  roles: {
    worker: { replicas: 6, partitions: 12, resources: { requests: { cpu: '2', memory: '3Gi' }, limits: { memory: '4Gi' } } },
    sink: { config: { runner: { batchSize: 2000 } } },
  },
  serviceMonitor: { enabled: true, labels: { release: 'prometheus' } },
};

describe('Helm chart (deploy/helm/nightjar)', () => {
  let helm: string;
  let dir: string;

  beforeAll(async () => {
    // Builds helm from the Go module proxy into .nightjar/bin/ when missing (.ci/run does it first).
    helm = (await run(join(root, 'scripts/helm.sh'), ['--install-only'], { maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
    dir = mkdtempSync(join(tmpdir(), 'nightjar-helm-'));
  }, 900_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function valuesFile(values: object): string {
    const file = join(dir, `values-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, stringify(values));
    return file;
  }

  async function template(values: object, extra: string[] = []): Promise<Manifest[]> {
    const { stdout } = await run(helm, ['template', 'nj', chart, '--namespace', 'astro', '-f', valuesFile(values), ...extra], { maxBuffer: 16 * 1024 * 1024 });
    return parseAllDocuments(stdout).map((d) => d.toJS() as Manifest).filter(Boolean);
  }

  async function templateError(values: object): Promise<string> {
    try {
      await template(values);
    } catch (err) {
      return (err as { stderr: string }).stderr;
    }
    throw new Error('helm template succeeded');
  }

  const workloads = (manifests: Manifest[]): Manifest[] => manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet');
  const mainContainer = (m: Manifest): Container => m.spec.template.spec.containers[0] as Container;
  const envOf = (c: Container): Record<string, string> => Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  const component = (m: Manifest): string => m.metadata.labels['app.kubernetes.io/component']!;

  it('passes helm lint --strict with operator values, and refuses to render without the external services or with invalid values', async () => {
    const { stdout } = await run(helm, ['lint', chart, '--strict', '-f', valuesFile(operatorValues)]);
    expect(stdout).toContain('0 chart(s) failed');
    expect(await templateError({})).toContain('kafka.brokers is required');
    expect(await templateError({ kafka: { brokers: 'k:9092' } })).toContain('clickhouse.url is required');
    // values.schema.json: misspelt values and wrong types are refused before anything renders.
    expect(await templateError({ ...operatorValues, serviceMonitr: { enabled: true } })).toContain("additional properties 'serviceMonitr' not allowed");
    expect(await templateError({ ...operatorValues, roles: { worker: { replicas: 'two' } } })).toMatch(/roles\/worker\/replicas.*want integer/);
  });

  it('renders every role as a Deployment running its role, with probes on /healthz and /readyz and its resources', async () => {
    for (const role of roleNames) expect(CHART_ROLES, `role ${role} of nightjar run has no place in the chart`).toContain(role);
    const manifests = await template(operatorValues);
    const deployments = workloads(manifests);
    expect(deployments.map((d) => d.kind)).toEqual(CHART_ROLES.map(() => 'Deployment'));
    expect(deployments.map(component).sort()).toEqual([...CHART_ROLES].sort());
    for (const deployment of deployments) {
      const role = component(deployment);
      const container = mainContainer(deployment);
      expect(container.args).toEqual(['run', '--roles', role]);
      expect(container.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(container.resources.requests.memory, role).toBeDefined();
      expect(deployment.spec.selector.matchLabels['app.kubernetes.io/component']).toBe(role);
      expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
      // The setup init container creates topics and runs migrations against the same services.
      const init = deployment.spec.template.spec.initContainers[0] as Container;
      expect(init.args).toEqual(['services', 'start']);
      expect(envOf(init)).toEqual(envOf(container));
    }
    const worker = deployments.find((d) => component(d) === 'worker')!;
    expect(worker.spec.replicas).toBe(6);
    expect(mainContainer(worker).resources).toEqual({ requests: { cpu: '2', memory: '3Gi' }, limits: { memory: '4Gi' } });
    expect(deployments.find((d) => component(d) === 'api')!.spec.replicas).toBe(2);
  });

  it('passes configuration from values as NIGHTJAR_* variables that Nightjar reads back as given', async () => {
    const deployments = workloads(await template(operatorValues));
    const settings = new Set(leafPaths(defaults).map(envName));
    for (const deployment of deployments) {
      for (const name of Object.keys(envOf(mainContainer(deployment)))) expect(settings, `${component(deployment)}: ${name}`).toContain(name);
    }
    const workerEnv = envOf(mainContainer(deployments.find((d) => component(d) === 'worker')!));
    expect(workerEnv).toMatchObject({
      NIGHTJAR_KAFKA_BROKERS: 'kafka-0.kafka:9092,kafka-1.kafka:9092',
      NIGHTJAR_CLICKHOUSE_URL: 'http://clickhouse.db:8123',
      NIGHTJAR_CLICKHOUSE_DATABASE: 'archive',
      NIGHTJAR_KAFKA_PARTITIONS: '12',
      NIGHTJAR_INGEST_MAX_MESSAGE_BYTES: '16777216',
      NIGHTJAR_API_HOST: '0.0.0.0',
    });
    const config = loadConfig({ env: workerEnv });
    expect(config.kafka.brokers).toEqual(['kafka-0.kafka:9092', 'kafka-1.kafka:9092']);
    expect(config.topics.input).toEqual(['ztf-alerts', 'lsst-alerts', '/^survey-.*/']);
    expect(config.ingest.maxMessageBytes).toBe(16777216);
    expect(config.filters.runawayShare).toBe(0.02);
    expect(config.annotate.features).toBe(false);
    expect(config.runner.batchSize).toBe(defaults.runner.batchSize);
    // A role's own settings apply to that role only.
    const sinkEnv = envOf(mainContainer(deployments.find((d) => component(d) === 'sink')!));
    expect(loadConfig({ env: sinkEnv }).runner.batchSize).toBe(2000);
    expect(loadConfig({ env: sinkEnv }).kafka.partitions).toBe(12);
  });

  it('names every setting of the configuration the way src/config does', async () => {
    // All defaults through the chart's conversion: each leaf arrives under its variable, with its value.
    const deployments = workloads(await template({ ...operatorValues, config: defaults, roles: {} }));
    const env = envOf(mainContainer(deployments[0]!));
    for (const path of leafPaths(defaults)) {
      const value = path.split('.').reduce<any>((obj, key) => obj[key], defaults);
      expect(env[envName(path)], path).toBe(Array.isArray(value) ? value.join(',') : String(value));
    }
  });

  it('keeps credentials in a Secret the roles read, or in an existing one', async () => {
    const manifests = await template(operatorValues);
    const secret = manifests.find((m) => m.kind === 'Secret')!;
    const decoded = Object.fromEntries(Object.entries(secret.data!).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    expect(decoded).toEqual({ NIGHTJAR_CLICKHOUSE_USERNAME: 'default', NIGHTJAR_CLICKHOUSE_PASSWORD: 'ch-pass-0123', NIGHTJAR_SCHEMA_REGISTRY_URL: 'http://user:pw@registry:8081' });
    for (const deployment of workloads(manifests)) {
      const container = mainContainer(deployment);
      expect(container.envFrom).toEqual([{ secretRef: { name: secret.metadata.name } }]);
      // The password is nowhere in the workload itself.
      expect(JSON.stringify(deployment)).not.toContain('ch-pass-0123');
      expect(deployment.spec.template.metadata.annotations['checksum/secret']).toMatch(/^[0-9a-f]{64}$/);
    }
    const external = await template({ ...operatorValues, secret: { existingSecret: 'nightjar-creds' } });
    expect(external.some((m) => m.kind === 'Secret')).toBe(false);
    for (const deployment of workloads(external)) {
      expect(mainContainer(deployment).envFrom).toEqual([{ secretRef: { name: 'nightjar-creds' } }]);
      expect(deployment.spec.template.metadata.annotations).toBeUndefined();
    }
    expect(await templateError({ ...operatorValues, secret: { extra: { PASSWORD: 'x' } } })).toContain('secret.extra keys are NIGHTJAR_* variable names');
  });

  it('renders a ServiceMonitor for every role when enabled, and none by default', async () => {
    const manifests = await template(operatorValues);
    const monitor = manifests.find((m) => m.kind === 'ServiceMonitor')!;
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels.release).toBe('prometheus');
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
    const services = manifests.filter((m) => m.kind === 'Service');
    expect(services.map(component).sort()).toEqual([...CHART_ROLES].sort());
    for (const service of services) {
      expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
      expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http' }]);
    }
    const plain = await template({ kafka: operatorValues.kafka, clickhouse: operatorValues.clickhouse });
    expect(plain.some((m) => m.kind === 'ServiceMonitor')).toBe(false);
  });

  it('refuses more workers than input partitions and more than one jobs role, turns roles off, and runs stateful workers on request', async () => {
    expect(await templateError({ ...operatorValues, roles: { worker: { replicas: 13, partitions: 12 } } })).toContain('roles.worker.replicas (13) exceeds roles.worker.partitions (12)');
    const some = await template({ ...operatorValues, roles: { trainer: { enabled: false }, jobs: { enabled: false }, worker: { workload: 'StatefulSet', replicas: 3 } } });
    expect(workloads(some).map(component).sort()).toEqual(['api', 'sink', 'worker']);
    const worker = workloads(some).find((w) => component(w) === 'worker')!;
    expect(worker.kind).toBe('StatefulSet');
    expect(worker.spec.serviceName).toBe('nj-nightjar-worker');
    expect(await templateError({ ...operatorValues, roles: { worker: { workload: 'DaemonSet' } } })).toMatch(/roles\/worker\/workload/);
    // One jobs role: never two replicas, not even during a rolling update.
    const jobs = workloads(await template(operatorValues)).find((w) => component(w) === 'jobs')!;
    expect(jobs.spec.replicas).toBe(1);
    expect(jobs.spec.strategy).toEqual({ type: 'Recreate' });
    expect(await templateError({ ...operatorValues, roles: { jobs: { replicas: 2 } } })).toContain('run one jobs role per deployment');
  });
});

function leafPaths(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? leafPaths(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}
