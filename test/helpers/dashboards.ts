import { readdirSync, readFileSync } from 'node:fs';

interface Target {
  expr?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: unknown;
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
}
export interface DashboardJson {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: { list: Variable[] };
}
export interface Dashboard {
  file: string;
  json: DashboardJson;
}
export interface DashboardQuery {
  /** `file: panel title` or `file: $variable`, for assertion messages. */
  where: string;
  expr: string;
}

const dir = new URL('../../dashboards/', import.meta.url);

/** Every `dashboards/*.json`, parsed. */
export function loadDashboards(): Dashboard[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as DashboardJson }));
}

/** Every Prometheus query of the dashboards: panel targets (rows' collapsed panels too) and query variables. */
export function dashboardQueries(dashboards: Dashboard[]): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const walk = (file: string, panels: Panel[]): void => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) if (target.expr !== undefined) out.push({ where: `${file}: ${panel.title}`, expr: target.expr });
      walk(file, panel.panels ?? []);
    }
  };
  for (const { file, json } of dashboards) {
    walk(file, json.panels);
    for (const variable of json.templating?.list ?? []) {
      if (variable.type !== 'query') continue;
      const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
      if (query) out.push({ where: `${file}: $${variable.name}`, expr: query });
    }
  }
  return out;
}
