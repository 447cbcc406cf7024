import { readFileSync } from 'node:fs';

export interface DashboardQuery {
  readonly panel: string;
  readonly datasource: 'prometheus' | 'loki' | 'tempo';
  readonly query: string;
}

export const DASHBOARD_PATH = new URL('../../deploy/grafana/dashboards/photovault.json', import.meta.url);

interface PanelJson {
  title?: string;
  datasource?: { type?: string };
  targets?: { datasource?: { type?: string }; expr?: string; query?: string }[];
  panels?: PanelJson[];
}

/** Every query of the provisioned dashboard, including the template variable's. */
export function dashboardQueries(): DashboardQuery[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as {
    panels: PanelJson[];
    templating: { list: { name: string; datasource?: { type?: string }; query: string | { query: string } }[] };
  };
  const queries: DashboardQuery[] = [];
  const visit = (panel: PanelJson) => {
    for (const target of panel.targets ?? []) {
      const type = (target.datasource?.type ?? panel.datasource?.type) as DashboardQuery['datasource'];
      const query = target.expr ?? target.query ?? '';
      queries.push({ panel: panel.title ?? '', datasource: type, query });
    }
    for (const inner of panel.panels ?? []) visit(inner);
  };
  dashboard.panels.forEach(visit);
  for (const variable of dashboard.templating.list) {
    const raw = typeof variable.query === 'string' ? variable.query : variable.query.query;
    const inner = /^label_values\((.*)\)$/.exec(raw.trim())?.[1] ?? raw;
    queries.push({ panel: `$${variable.name}`, datasource: variable.datasource?.type as DashboardQuery['datasource'], query: inner.split(',')[0] ?? '' });
  }
  return queries;
}
