import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { grafanaQueryMetricNames, promqlMetricNames, PromqlSyntaxError, resolveMetric } from '../helpers/promql.js';
import { dashboardQueries, loadDashboards } from '../helpers/dashboards.js';

const root = new URL('../../', import.meta.url);

describe('PromQL metric-name extraction', () => {
  it('finds metric names and skips functions, aggregations, labels, ranges, strings and variables', () => {
    expect(promqlMetricNames('histogram_quantile(0.99, sum by (le, stage) (rate(nightjar_stage_batch_seconds_bucket{instance=~"$instance",stage="a b"}[$__rate_interval])))')).toEqual(['nightjar_stage_batch_seconds_bucket']);
    expect(promqlMetricNames('sum(rate(a_total[5m])) / ignoring(code) group_left sum without (x) (b) > bool 0.5 offset 1h')).toEqual(['a_total', 'b']);
    expect(promqlMetricNames('max(x) by (state) and on(instance) y{le="+Inf"} unless z[1h30m:1m] * 1e-3 + ${var:raw}')).toEqual(['x', 'y', 'z']);
    expect(promqlMetricNames('{__name__="named_metric", job="nightjar"}')).toEqual(['named_metric']);
    expect(promqlMetricNames('count(up) - count_values("v", build_info)')).toEqual(['up', 'build_info']);
  });

  it('refuses what is not PromQL instead of guessing', () => {
    for (const bad of ['rate(x[5m]', 'x{job="a}', 'x ; y', 'sum by x', 'sum x', 'a & b']) expect(() => promqlMetricNames(bad), bad).toThrow(PromqlSyntaxError);
  });

  it('reads the selector of a label_values() template query', () => {
    expect(grafanaQueryMetricNames('label_values(nightjar_process_start_time_seconds, instance)')).toEqual(['nightjar_process_start_time_seconds']);
  });

  it('resolves histogram series to the declared histogram, and nothing else', () => {
    const declared = new Map([['h', 'histogram'], ['s', 'summary'], ['c_total', 'counter'], ['g', 'gauge']]);
    expect(resolveMetric('h_bucket', declared)).toBe('h');
    expect(resolveMetric('h_count', declared)).toBe('h');
    expect(resolveMetric('s_sum', declared)).toBe('s');
    expect(resolveMetric('s_bucket', declared)).toBeUndefined();
    expect(resolveMetric('c_total', declared)).toBe('c_total');
    expect(resolveMetric('g_count', declared)).toBeUndefined();
    expect(resolveMetric('missing', declared)).toBeUndefined();
  });
});

describe('Grafana dashboards', () => {
  const dashboards = loadDashboards();

  it('has the pipeline, filters, API and live, and archive dashboards, with unique uids and panel ids', () => {
    expect(dashboards.map((d) => d.file).sort()).toEqual(['api-live.json', 'archive.json', 'filters.json', 'pipeline.json']);
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
    for (const { file, json } of dashboards) {
      expect(json.title, file).toMatch(/^Nightjar/);
      const ids = json.panels.map((p) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const panel of json.panels.filter((p) => p.type !== 'row')) {
        expect(panel.targets?.length, `${file}: ${panel.title}`).toBeGreaterThan(0);
        // The Prometheus data source is a variable, so the JSON imports into any Grafana.
        expect(panel.datasource, `${file}: ${panel.title}`).toEqual({ type: 'prometheus', uid: '${datasource}' });
      }
    }
  });

  it('queries only nightjar_ metrics, each query naming at least one', () => {
    for (const query of dashboardQueries(dashboards)) {
      const names = grafanaQueryMetricNames(query.expr);
      expect(names.length, query.where).toBeGreaterThan(0);
      for (const name of names) expect(name, query.where).toMatch(/^nightjar_/);
    }
  });

  it('covers what the issue asks of each dashboard', () => {
    const names = (file: string): Set<string> => new Set(dashboardQueries(dashboards.filter((d) => d.file === file)).flatMap((q) => grafanaQueryMetricNames(q.expr)));
    const exprs = (file: string): string => dashboardQueries(dashboards.filter((d) => d.file === file)).map((q) => q.expr).join('\n');
    expect([...names('pipeline.json')]).toEqual(expect.arrayContaining(['nightjar_alerts_consumed_total', 'nightjar_alerts_decoded_total', 'nightjar_alerts_dead_lettered_total', 'nightjar_stage_batch_seconds_bucket', 'nightjar_end_to_end_latency_seconds_bucket', 'nightjar_runner_consumer_lag']));
    expect(exprs('pipeline.json')).toContain('sum by (code) (rate(nightjar_alerts_dead_lettered_total');
    expect(exprs('pipeline.json')).toContain('sum by (stage, topic, partition) (nightjar_runner_consumer_lag');
    expect([...names('filters.json')]).toEqual(expect.arrayContaining(['nightjar_filter_alerts_evaluated_total', 'nightjar_filter_matches_total', 'nightjar_filter_matches_dropped_total', 'nightjar_filters_active']));
    expect([...names('api-live.json')]).toEqual(expect.arrayContaining(['nightjar_http_requests_total', 'nightjar_http_request_duration_seconds_bucket', 'nightjar_ws_connections', 'nightjar_ws_messages_total', 'nightjar_ws_dropped_total', 'nightjar_ws_disconnects_total']));
    expect([...names('archive.json')]).toEqual(expect.arrayContaining(['nightjar_sink_rows_total', 'nightjar_sink_insert_seconds_bucket', 'nightjar_sink_waiting_for_clickhouse', 'nightjar_sink_clickhouse_unavailable_total', 'nightjar_jobs', 'nightjar_jobs_finished_total']));
  });

  it('queries only metrics documented in docs/observability.md', () => {
    const docs = readFileSync(new URL('docs/observability.md', root), 'utf8');
    const names = new Set(dashboardQueries(dashboards).flatMap((q) => grafanaQueryMetricNames(q.expr)).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    for (const name of names) expect(docs, name).toContain(`\`${name}`);
  });

  it('is provisioned by Grafana in docker compose from the directory the dashboards are mounted at', () => {
    const provider = parse(readFileSync(new URL('deploy/grafana/provisioning/dashboards/nightjar.yml', root), 'utf8')) as { providers: { options: { path: string } }[] };
    const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as { services: Record<string, { volumes?: string[] }> };
    const mounts = (compose.services.grafana!.volumes ?? []).map((v) => v.split(':'));
    const dashboardsMount = mounts.find(([source]) => source!.replace(/\/$/, '') === './dashboards');
    expect(dashboardsMount?.[1]).toBe(provider.providers[0]!.options.path);
    expect(mounts.some(([source, target]) => source === './deploy/grafana/provisioning' && target === '/etc/grafana/provisioning')).toBe(true);
    const datasources = readdirSync(new URL('deploy/grafana/provisioning/datasources/', root)).map((f) => parse(readFileSync(new URL(`deploy/grafana/provisioning/datasources/${f}`, root), 'utf8')) as { datasources: { type: string; url: string }[] });
    expect(datasources.flatMap((d) => d.datasources)).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' })]));
  });
});
