// The default page: the caller's dashboard on a 12-column grid (drag by the title bar to move,
// the corner handle to resize; saved with PUT /dashboards/{org}/layout), kept live over
// /dashboards/live/{org}. Below 720 px the grid becomes one column (no dragging on phones).
// The same view shows a dashboard by id (/o/{org}/d/{id}: a shared link), read-only unless
// the reader owns it or is an admin.
import { memo, useCallback, useDeferredValue, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { UseQueryResult } from '@tanstack/react-query';
import ReactGridLayout, { useContainerWidth, verticalCompactor } from 'react-grid-layout';
import type { Layout } from 'react-grid-layout';
import 'react-grid-layout/css/styles.css';
import { scopeKey, useDashboard, useDashboardById, useSaveLayout, type Dashboard, type DashboardScope, type Widget } from '../api/dashboards';
import { ApiError } from '../api/client';
import { useTenant } from '../api/tenant';
import { isAdmin } from '../auth/roles';
import { loadSession } from '../auth/session';
import { EmptyState, ErrorState, LoadingState } from '../components/States';
import { Icon } from '../components/Icon';
import { LiveBadge } from '../live/LiveBadge';
import { useDashboardLive } from '../live/useDashboardLive';
import type { LiveState } from '../live/liveSocket';
import { WidgetCard } from '../widgets/WidgetCard';
import { WidgetDialog } from '../widgets/WidgetDialog';
import { TemplateDialog } from '../widgets/TemplateDialog';
import { ShareDialog } from '../widgets/ShareDialog';
import '../widgets/widgets.css';
import { kGridMargin, kNarrow, kRowHeight } from './dashboardLayout';

const kNoWidgets: Widget[] = [];

/** The organization's default dashboard: everyone's until they change their own copy. */
export const kDefaultDashboardId = 'default';

export function changedPositions(widgets: Widget[], layout: Layout) {
  return layout
    .map((l) => ({ widget_id: l.i, x: l.x, y: l.y, w: l.w, h: l.h }))
    .filter((p) => {
      const w = widgets.find((x) => x.widget_id === p.widget_id);
      return w && (w.grid.x !== p.x || w.grid.y !== p.y || w.grid.w !== p.w || w.grid.h !== p.h);
    });
}

/** `/o/{org}`: the caller's dashboard (their own, else the organization's default). */
export function DashboardPage() {
  const { org = '' } = useParams();
  const scope = useMemo<DashboardScope>(() => ({ org }), [org]);
  // A view per dashboard: another organization's (or dashboard's) widgets never show, even for
  // a moment, under this one's header and scope.
  return <DashboardView key={JSON.stringify(scopeKey(scope))} scope={scope} query={useDashboard(org)} />;
}

/** `/o/{org}/d/{id}`: a dashboard by id, as a share link opens it. */
export function SharedDashboardPage() {
  const { org = '', id = '' } = useParams();
  const scope = useMemo<DashboardScope>(() => ({ org, id }), [org, id]);
  return <DashboardView key={JSON.stringify(scopeKey(scope))} scope={scope} query={useDashboardById(org, id)} />;
}

/** While live updates are down (reconnecting, offline), the dashboard is fetched again every
 *  so often: at its widgets' shortest `refresh_interval` (dashboards.md), never more often than
 *  every 5 s. Live (or still connecting): no polling, the pushes keep it fresh. */
export function pollInterval(widgets: readonly Pick<Widget, 'refresh_interval'>[], state: LiveState): number | null {
  if (state === 'live' || state === 'connecting' || widgets.length === 0) return null;
  const shortest = Math.min(...widgets.map((w) => (w.refresh_interval > 0 ? w.refresh_interval : 60)));
  return Math.max(5, shortest) * 1000;
}

/** Whether the reader may change `d`: the caller's own page always (a first change makes their
 *  own copy), a dashboard by id only as its owner or an admin. */
export function mayChange(d: Pick<Dashboard, 'owner'>, byId: boolean, sub: string | undefined, roles: readonly string[]): boolean {
  if (!byId) return true;
  return isAdmin(roles) || (d.owner !== null && sub !== undefined && d.owner === sub);
}

function DashboardView({ scope, query }: { scope: DashboardScope; query: UseQueryResult<Dashboard> }) {
  const { org } = scope;
  const byId = scope.id !== undefined;
  const tenant = useTenant();
  const save = useSaveLayout(scope);
  const [dialog, setDialog] = useState<{ kind: 'add' } | { kind: 'edit'; widget: Widget } | { kind: 'templates' } | { kind: 'share' } | null>(null);
  const widgets = useMemo(() => query.data?.widgets ?? [], [query.data]);
  // The grid draws the widgets in a transition: React renders it in slices and yields
  // between them, so a dashboard arriving (or a live update) never blocks input for the whole
  // grid's rendering; the header shows at once. Also when the page mounts with its dashboard
  // already loaded (the route's loader fetched it beside the page's settings): the grid mounts
  // empty, measures its width, and the widgets follow in the transition; mounted with them, the
  // grid would draw every widget again, synchronously, once measured (one long task).
  const gridWidgets = useDeferredValue(widgets, kNoWidgets);
  // Live only once the dashboard has loaded: a token that cannot read it gets no socket.
  const live = useDashboardLive(org, query.status === 'success' ? query.data : undefined, scopeKey(scope));
  const poll = pollInterval(widgets, live.state);
  const refetch = query.refetch;
  useEffect(() => {
    if (poll === null) return;
    const timer = window.setInterval(() => { void refetch(); }, poll);
    return () => window.clearInterval(timer);
  }, [poll, refetch]);
  const session = loadSession();
  const sub = session?.claims.sub;
  const roles = session?.claims.roles ?? [];

  // Stable callbacks: the grid re-renders when the widgets change, not when the live state does.
  const mutateLayout = save.mutate;
  const onMove = useCallback((changed: ReturnType<typeof changedPositions>) => mutateLayout(changed), [mutateLayout]);
  const onEdit = useCallback((w: Widget) => setDialog({ kind: 'edit', widget: w }), []);

  if (query.isPending) return <div className="page"><LoadingState label="Loading the dashboard…" /></div>;
  if (query.isError) {
    return (
      <div className="page">
        <ErrorState title={byId ? 'This dashboard could not be opened' : 'The dashboard could not be loaded'}
                    error={query.error} retry={() => query.refetch()} />
        {byId && <p className="state"><Link to={`/o/${encodeURIComponent(org)}`}>Go to your dashboard</Link></p>}
      </div>
    );
  }
  const d = query.data;
  const readOnly = !mayChange(d, byId, sub, roles);
  const isDefault = d.dashboard_id === kDefaultDashboardId;
  const shareBlocked = 'The organization’s default cannot be shared: everyone sees it already. '
    + 'Your own copy is made on your first change; share it then.';

  return (
    <div className="page dashboard-page" data-org={org} data-dashboard-id={d.dashboard_id}>
      <div className="page-header">
        <div>
          <h1>{d.name || 'Dashboard'}</h1>
          <p className="subtitle">{tenant.name || org} · {tenant.currency} · {tenant.timezone}
            {isDefault ? ' · organization default' : byId && d.owner && d.owner !== sub ? ` · shared by ${d.owner}` : ''}</p>
        </div>
        <div className="toolbar">
          <LiveBadge {...live} />
          {byId && <Link className="btn" to={`/o/${encodeURIComponent(org)}`}>Your dashboard</Link>}
          {!readOnly && <>
            {!byId && <button className="btn" onClick={() => setDialog({ kind: 'templates' })}><Icon name="template" />Templates</button>}
            {isDefault ? (
              <button className="btn" aria-disabled="true" title={shareBlocked} aria-describedby="dashboard-default-note"
                      onClick={(e) => e.preventDefault()}>
                <Icon name="share" />Share
              </button>
            ) : (
              <button className="btn" onClick={() => setDialog({ kind: 'share' })}><Icon name="share" />Share</button>
            )}
            <button className="btn btn-primary" data-action="add-widget" onClick={() => setDialog({ kind: 'add' })}><Icon name="plus" />Add widget</button>
          </>}
        </div>
      </div>
      {!readOnly && isDefault && (
        <p className="subtle dashboard-note" id="dashboard-default-note">
          {byId
            ? 'This is the organization’s default: what everyone sees until they change their own dashboard. It cannot be shared.'
            : 'You are looking at the organization’s default. Your own copy is made on your first change; share it then.'}
        </p>
      )}
      {save.isError && (
        <div className="alert alert-error" role="alert">
          The layout was not saved: {save.error instanceof ApiError ? save.error.detail || save.error.title : 'network error'}.
          It is back as the server holds it.
        </div>
      )}
      {readOnly && <div className="alert alert-info">This dashboard is shared with you: you can read it, not change it.</div>}
      {widgets.length === 0 ? (
        <EmptyState title="This dashboard is empty"
                    action={!readOnly && <>
                      <button className="btn btn-primary" data-action="add-widget" onClick={() => setDialog({ kind: 'add' })}>Add a widget</button>
                      {!byId && <button className="btn" onClick={() => setDialog({ kind: 'templates' })}>Start from a template</button>}
                    </>}>
          {readOnly ? 'Nothing has been added to it yet.' : 'Add widgets one by one, or start from a template such as the executive overview.'}
        </EmptyState>
      ) : (
        <DashboardGrid widgets={gridWidgets} scope={scope} readOnly={readOnly} onMove={onMove} onEdit={onEdit} />
      )}
      {dialog?.kind === 'add' && <WidgetDialog scope={scope} widgets={widgets} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'edit' && <WidgetDialog scope={scope} widgets={widgets} widget={dialog.widget} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'templates' && <TemplateDialog org={org} dashboard={d} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'share' && <ShareDialog org={org} dashboard={d} onClose={() => setDialog(null)} />}
    </div>
  );
}

/** The grid: measured after it mounts, so its width is the container's, not a guess. */
const DashboardGrid = memo(function DashboardGrid({ widgets, scope, readOnly, onMove, onEdit }: {
  widgets: Widget[]; scope: DashboardScope; readOnly: boolean;
  onMove: (changed: ReturnType<typeof changedPositions>) => void; onEdit: (w: Widget) => void;
}) {
  const { width, containerRef, mounted } = useContainerWidth({ measureBeforeMount: true });
  const layout: Layout = useMemo(() => widgets.map((w) => ({
    i: w.widget_id, x: w.grid.x, y: w.grid.y, w: w.grid.w, h: w.grid.h, minW: 2, minH: 2,
  })), [widgets]);
  const persist = (next: Layout) => {
    const changed = changedPositions(widgets, next);
    if (changed.length) onMove(changed);
  };
  const sorted = useMemo(() => [...widgets].sort((a, b) => a.grid.y - b.grid.y || a.grid.x - b.grid.x), [widgets]);
  const narrow = width < kNarrow;
  return (
    <div ref={containerRef} className="grid-host">
      {mounted && (narrow ? (
        // One column, in reading order: nothing to drag here (the edit dialog places widgets).
        <div className="stack">
          {sorted.map((w) => (
            <div key={w.widget_id} className={`stack-item ${w.forbidden ? 'stack-forbidden' : `stack-h${Math.min(w.grid.h, 6)}`}`}>
              <WidgetCard widget={w} scope={scope} readOnly={readOnly} draggable={false} onEdit={onEdit} />
            </div>
          ))}
        </div>
      ) : (
        <ReactGridLayout width={width} layout={layout} compactor={verticalCompactor}
                         gridConfig={{ cols: 12, rowHeight: kRowHeight, margin: [kGridMargin, kGridMargin], containerPadding: [0, 0] }}
                         dragConfig={{ enabled: !readOnly, handle: '.widget-drag', cancel: '.widget-actions' }}
                         resizeConfig={{ enabled: !readOnly, handles: ['se'] }}
                         onDragStop={(l) => persist(l)} onResizeStop={(l) => persist(l)}>
          {sorted.map((w) => (
            <div key={w.widget_id}>
              <WidgetCard widget={w} scope={scope} readOnly={readOnly} onEdit={onEdit} />
            </div>
          ))}
        </ReactGridLayout>
      ))}
    </div>
  );
});
