// Domain bodies (GET /analytics/<route>/{org}?period=) and series (GET /analytics/series/{org}).
import { queryOptions, useQuery } from '@tanstack/react-query';
import { kSectionRoutes } from './catalog';
import { getJson, orgPath, withQuery } from './client';
import type { Source } from '../auth/roles';

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

export function useSeries(org: string, source: Source, metric: string, granularity: string, from: string, to: string) {
  return useQuery({
    queryKey: ['series', org, source, metric, granularity, from, to],
    queryFn: ({ signal }) => getJson<SeriesBody>(
      withQuery(orgPath('/analytics/series/{org}', org), { domain: source, metric, granularity, from, to }), signal),
  });
}
