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

/**
 * Which dashboard a page shows and changes: the caller's own (`id` absent: `GET
 * /dashboards/{org}`, changes without `dashboard_id`, the first of which copies the default into
 * the caller's own) or one by id (`GET /dashboards/{org}/{id}`, changes with `?dashboard_id=`).
 */
export interface DashboardScope { org: string; id?: string }

/** Every dashboard query of an organization starts with this key (invalidate them together). */
export const dashboardsKey = (org: string) => ['dashboard', org] as const;
export const dashboardKey = (org: string) => ['dashboard', org] as const;
export const dashboardByIdKey = (org: string, id: string) => ['dashboard', org, 'by-id', id] as const;
export const scopeKey = (scope: DashboardScope) =>
  (scope.id === undefined ? dashboardKey(scope.org) : dashboardByIdKey(scope.org, scope.id));

/** `path` of the scope's organization, with `?dashboard_id=` when the scope names a dashboard. */
function scopePath(scope: DashboardScope, template: string, suffix = ''): string {
  const path = orgPath(template, scope.org) + suffix;
  return scope.id === undefined ? path : `${path}?dashboard_id=${encodeURIComponent(scope.id)}`;
}

export const dashboardQuery = (org: string) => queryOptions({
  queryKey: dashboardKey(org),
  queryFn: ({ signal }) => getJson<Dashboard>(orgPath('/dashboards/{org}', org), signal),
});

export const dashboardByIdQuery = (org: string, id: string) => queryOptions({
  queryKey: dashboardByIdKey(org, id),
  queryFn: ({ signal }) =>
    getJson<Dashboard>(`${orgPath('/dashboards/{org}', org)}/${encodeURIComponent(id)}`, signal),
});

export function useDashboard(org: string) {
  return useQuery(dashboardQuery(org));
}

export function useDashboardById(org: string, id: string) {
  return useQuery(dashboardByIdQuery(org, id));
}

export function useTemplates() {
  return useQuery({
    queryKey: ['dashboard-templates'],
    queryFn: ({ signal }) => getJson<{ templates: Template[] }>('/dashboard-templates', signal),
    staleTime: Infinity,
  });
}

/**
 * Every change invalidates the organization's dashboards so they are read again, as the server
 * now holds them (the answer comes once the change is applied). The returned promise makes
 * `mutateAsync` resolve after the refetch, so a dialog closes onto the new state.
 */
function useDashboardMutation<V, R = unknown>(org: string, run: (v: V) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSettled: () => qc.invalidateQueries({ queryKey: dashboardsKey(org) }),
  });
}

export function useSaveLayout(scope: DashboardScope) {
  const qc = useQueryClient();
  const key = scopeKey(scope);
  return useMutation({
    mutationFn: (positions: ({ widget_id: string } & Grid)[]) =>
      sendJson<Dashboard>('PUT', scopePath(scope, '/dashboards/{org}/layout'), { positions }),
    // Show the new places at once; the server's answer (or a refetch on error) settles it.
    onMutate: async (positions) => {
      await qc.cancelQueries({ queryKey: key, exact: true });
      qc.setQueryData<Dashboard>(key, (d) => d && {
        ...d,
        widgets: d.widgets.map((w) => {
          const p = positions.find((q) => q.widget_id === w.widget_id);
          return p ? { ...w, grid: { x: p.x, y: p.y, w: p.w, h: p.h } } : w;
        }),
      });
    },
    // The answer is the dashboard as saved: after a first change it is the caller's own copy
    // (a new dashboard_id and owner), which sharing and the live subscriptions need.
    onSuccess: (saved) => {
      qc.invalidateQueries({ queryKey: dashboardsKey(scope.org), refetchType: 'none' });
      if (saved) qc.setQueryData<Dashboard>(key, saved);
      else return qc.invalidateQueries({ queryKey: key });
    },
    onError: () => qc.invalidateQueries({ queryKey: key }),
  });
}

export function useCreateWidget(scope: DashboardScope) {
  return useDashboardMutation(scope.org, (body: WidgetRequest) =>
    sendJson<Widget>('POST', orgPath('/dashboards/{org}/widgets', scope.org),
      scope.id === undefined ? body : { ...body, dashboard_id: scope.id }));
}

export function useUpdateWidget(scope: DashboardScope) {
  return useDashboardMutation(scope.org, ({ id, body }: { id: string; body: WidgetRequest }) =>
    sendJson<Widget>('PUT', scopePath(scope, '/dashboards/{org}/widgets', `/${encodeURIComponent(id)}`), body));
}

export function useDeleteWidget(scope: DashboardScope) {
  return useDashboardMutation(scope.org, (id: string) =>
    sendJson('DELETE', scopePath(scope, '/dashboards/{org}/widgets', `/${encodeURIComponent(id)}`)));
}

/**
 * Where a template goes: `own` replaces the widgets of the caller's own dashboard (made from the
 * default first when there is none), `default` (admins) those of the organization's default.
 * (The server's third target, `new`, makes a separate dashboard this app does not list.)
 */
export type TemplateTarget = 'own' | 'default';

export function useApplyTemplate(org: string) {
  return useDashboardMutation(org, ({ name, target }: { name: string; target: TemplateTarget }) =>
    sendJson<Dashboard>('POST', `${orgPath('/dashboards/{org}/from-template', org)}/${encodeURIComponent(name)}`,
      { target }));
}

export function useShare(org: string) {
  return useDashboardMutation(org, ({ dashboardId, users, roles }: { dashboardId: string; users: string[]; roles: string[] }) =>
    sendJson<Dashboard>('POST', `${orgPath('/dashboards/{org}', org)}/${encodeURIComponent(dashboardId)}/share`, { users, roles }));
}
