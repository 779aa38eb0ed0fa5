// Dashboards and widgets (../shared/spec/dashboards.md): types, the query of the caller's
// dashboard, and the changes (each answered once the server has applied it, so a refetch
// after a change reads it).
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJson, orgPath, sendJson } from './client';

export type WidgetType = 'metric' | 'chart' | 'table' | 'list';
export type ChartType = 'line' | 'bar' | 'pie' | 'donut';

export interface Grid { x: number; y: number; w: number; h: number }

export interface QueryParams {
  metric: string;
  period?: string;
  from?: string;
  to?: string;
  granularity?: string;
  limit?: number;
}

export interface Point { period: string; value: number | null }
export type Row = Record<string, string | number | null>;
export type CachedData =
  | null
  | { period: string; value: number | null }
  | { granularity?: string; points: Point[] }
  | { period?: string; granularity?: string; rows: Row[] };

export interface Widget {
  widget_id: string;
  dashboard_id: string;
  organization_id: string;
  widget_type: WidgetType;
  title: string;
  data_source: string;
  query_params: QueryParams;
  refresh_interval: number;
  chart_type?: ChartType | '';
  grid: Grid;
  created_at: string | null;
  updated_at: string | null;
  version: number;
  position: number;
  as_of: string;
  cached_data: CachedData;
  cache_expires: string | null;
  forbidden?: boolean;
  error?: string;
}

export interface Dashboard {
  dashboard_id: string;
  organization_id: string;
  name: string;
  owner: string | null;
  shared_with: { users: string[]; roles: string[] };
  version: number;
  position: number;
  as_of: string;
  widgets: Widget[];
}

export interface WidgetRequest {
  widget_type?: WidgetType;
  title?: string;
  data_source?: string;
  query_params?: QueryParams;
  refresh_interval?: number;
  chart_type?: ChartType;
  grid?: Grid;
}

export interface Template { name: string; title: string; description: string; widgets: WidgetRequest[] }

export const dashboardKey = (org: string) => ['dashboard', org] as const;

export const dashboardQuery = (org: string) => queryOptions({
  queryKey: dashboardKey(org),
  queryFn: ({ signal }) => getJson<Dashboard>(orgPath('/dashboards/{org}', org), signal),
});

export function useDashboard(org: string) {
  return useQuery(dashboardQuery(org));
}

export function useTemplates() {
  return useQuery({
    queryKey: ['dashboard-templates'],
    queryFn: ({ signal }) => getJson<{ templates: Template[] }>('/dashboard-templates', signal),
    staleTime: Infinity,
  });
}

/** Every change invalidates the dashboard so it is read again, as the server now holds it. */
function useDashboardMutation<V>(org: string, run: (v: V) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSettled: () => qc.invalidateQueries({ queryKey: dashboardKey(org) }),
  });
}

export function useSaveLayout(org: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (positions: ({ widget_id: string } & Grid)[]) =>
      sendJson<Dashboard>('PUT', orgPath('/dashboards/{org}/layout', org), { positions }),
    // Show the new places at once; the server's answer (or a refetch on error) settles it.
    onMutate: (positions) => {
      qc.setQueryData<Dashboard>(dashboardKey(org), (d) => d && {
        ...d,
        widgets: d.widgets.map((w) => {
          const p = positions.find((q) => q.widget_id === w.widget_id);
          return p ? { ...w, grid: { x: p.x, y: p.y, w: p.w, h: p.h } } : w;
        }),
      });
    },
    onError: () => qc.invalidateQueries({ queryKey: dashboardKey(org) }),
  });
}

export function useCreateWidget(org: string) {
  return useDashboardMutation(org, (body: WidgetRequest) =>
    sendJson<Widget>('POST', orgPath('/dashboards/{org}/widgets', org), body));
}

export function useUpdateWidget(org: string) {
  return useDashboardMutation(org, ({ id, body }: { id: string; body: WidgetRequest }) =>
    sendJson<Widget>('PUT', `${orgPath('/dashboards/{org}/widgets', org)}/${encodeURIComponent(id)}`, body));
}

export function useDeleteWidget(org: string) {
  return useDashboardMutation(org, (id: string) =>
    sendJson('DELETE', `${orgPath('/dashboards/{org}/widgets', org)}/${encodeURIComponent(id)}`));
}

export function useApplyTemplate(org: string) {
  return useDashboardMutation(org, (name: string) =>
    sendJson<Dashboard>('POST', `${orgPath('/dashboards/{org}/from-template', org)}/${encodeURIComponent(name)}`));
}

export function useShare(org: string) {
  return useDashboardMutation(org, ({ dashboardId, users, roles }: { dashboardId: string; users: string[]; roles: string[] }) =>
    sendJson<Dashboard>('POST', `${orgPath('/dashboards/{org}', org)}/${encodeURIComponent(dashboardId)}/share`, { users, roles }));
}
