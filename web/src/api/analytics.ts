// Domain bodies (GET /analytics/<route>/{org}?period=) and series (GET /analytics/series/{org}).
import { queryOptions, useQuery } from '@tanstack/react-query';
import { kCatalog, kSectionRoutes, type MetricDef } from './catalog';
import { getJson, orgPath, withQuery } from './client';
import { canReadMetric, type Source } from '../auth/roles';
import { granularityOf, shiftPeriod } from '../format/period';

export type SectionBody = Record<string, unknown> & {
  organization_id: string;
  period: string;
  period_start?: string;
  period_end?: string;
  last_updated?: string | null;
  stale?: boolean;
};

export const sectionKey = (org: string, source: Source, period: string) => ['section', org, source, period] as const;

export const sectionQuery = (org: string, source: Source, period: string) => queryOptions({
  queryKey: sectionKey(org, source, period),
  queryFn: ({ signal }) => getJson<SectionBody>(withQuery(orgPath(kSectionRoutes[source], org), { period }), signal),
});

export function useSection(org: string, source: Source, period: string, enabled = true) {
  return useQuery({ ...sectionQuery(org, source, period), enabled });
}

export interface SeriesBody { points: { period: string; value: number | null }[] }

export const seriesQuery = (org: string, source: Source, metric: string, granularity: string, from: string, to: string) =>
  queryOptions({
    queryKey: ['series', org, source, metric, granularity, from, to],
    queryFn: ({ signal }) => getJson<SeriesBody>(
      withQuery(orgPath('/analytics/series/{org}', org), { domain: source, metric, granularity, from, to }), signal),
  });

/** How many periods a trend shows, by the period's granularity. */
export const kTrendLength: Record<string, number> = { day: 30, week: 12, month: 12, quarter: 8, year: 5 };

/** A domain page's trends for `period`: its first four KPIs that the roles may read (cross-service
 *  metrics need all their sources), each over the periods up to `period`. */
export function trends(org: string, source: Source, period: string, roles: readonly string[]) {
  const granularity = granularityOf(period) ?? 'month';
  const from = shiftPeriod(period, -(kTrendLength[granularity] - 1));
  return kCatalog[source].filter((d) => d.kpi && canReadMetric(roles, source, d.key)).slice(0, 4)
    .map((def: MetricDef) => ({ def, granularity, query: seriesQuery(org, source, def.key, granularity, from, period) }));
}
