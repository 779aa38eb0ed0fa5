// The default page: the caller's dashboard on a 12-column grid (drag by the title bar to move,
// the corner handle to resize; saved with PUT /dashboards/{org}/layout), kept live over
// /dashboards/live/{org}. Below 720 px the grid becomes one column (no dragging on phones).
import { memo, useCallback, useMemo, useState } from 'react';
import { useParams } from 'react-router';
import ReactGridLayout, { useContainerWidth, verticalCompactor } from 'react-grid-layout';
import type { Layout } from 'react-grid-layout';
import 'react-grid-layout/css/styles.css';
import { useDashboard, useSaveLayout, type Widget } from '../api/dashboards';
import { ApiError } from '../api/client';
import { useTenant } from '../api/tenant';
import { loadSession } from '../auth/session';
import { EmptyState, ErrorState, LoadingState } from '../components/States';
import { Icon } from '../components/Icon';
import { LiveBadge } from '../live/LiveBadge';
import { useDashboardLive } from '../live/useDashboardLive';
import { WidgetCard } from '../widgets/WidgetCard';
import { WidgetDialog } from '../widgets/WidgetDialog';
import { TemplateDialog } from '../widgets/TemplateDialog';
import { ShareDialog } from '../widgets/ShareDialog';
import '../widgets/widgets.css';

const kNarrow = 720;

export function changedPositions(widgets: Widget[], layout: Layout) {
  return layout
    .map((l) => ({ widget_id: l.i, x: l.x, y: l.y, w: l.w, h: l.h }))
    .filter((p) => {
      const w = widgets.find((x) => x.widget_id === p.widget_id);
      return w && (w.grid.x !== p.x || w.grid.y !== p.y || w.grid.w !== p.w || w.grid.h !== p.h);
    });
}

export function DashboardPage() {
  const { org = '' } = useParams();
  const tenant = useTenant();
  const dashboard = useDashboard(org);
  const save = useSaveLayout(org);
  const [dialog, setDialog] = useState<{ kind: 'add' } | { kind: 'edit'; widget: Widget } | { kind: 'templates' } | { kind: 'share' } | null>(null);
  const widgets = useMemo(() => dashboard.data?.widgets ?? [], [dashboard.data]);
  const live = useDashboardLive(org, useMemo(() => widgets.map((w) => w.widget_id), [widgets]));
  const session = loadSession();
  const sub = session?.claims.sub;
  const readOnly = dashboard.data?.owner !== null && dashboard.data?.owner !== undefined && dashboard.data.owner !== sub
    && !session?.claims.roles.includes('admin');

  // Stable callbacks: the grid re-renders when the widgets change, not when the live state does.
  const mutateLayout = save.mutate;
  const onMove = useCallback((changed: ReturnType<typeof changedPositions>) => mutateLayout(changed), [mutateLayout]);
  const onEdit = useCallback((w: Widget) => setDialog({ kind: 'edit', widget: w }), []);

  if (dashboard.isPending) return <div className="page"><LoadingState label="Loading the dashboard…" /></div>;
  if (dashboard.isError) {
    return <div className="page"><ErrorState title="The dashboard could not be loaded" error={dashboard.error}
                                             retry={() => dashboard.refetch()} /></div>;
  }
  const d = dashboard.data;

  return (
    <div className="page dashboard-page" data-org={org}>
      <div className="page-header">
        <div>
          <h1>{d.name || 'Dashboard'}</h1>
          <p className="subtitle">{tenant.name || org} · {tenant.currency} · {tenant.timezone}
            {d.owner ? '' : ' · organization default'}</p>
        </div>
        <div className="toolbar">
          <LiveBadge state={live.state} detail={live.detail} />
          {!readOnly && <>
            <button className="btn" onClick={() => setDialog({ kind: 'templates' })}><Icon name="template" />Templates</button>
            <button className="btn" onClick={() => setDialog({ kind: 'share' })}><Icon name="share" />Share</button>
            <button className="btn btn-primary" onClick={() => setDialog({ kind: 'add' })}><Icon name="plus" />Add widget</button>
          </>}
        </div>
      </div>
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
                      <button className="btn btn-primary" onClick={() => setDialog({ kind: 'add' })}>Add a widget</button>
                      <button className="btn" onClick={() => setDialog({ kind: 'templates' })}>Start from a template</button>
                    </>}>
          Add widgets one by one, or start from a template such as the executive overview.
        </EmptyState>
      ) : (
        <DashboardGrid widgets={widgets} readOnly={readOnly} onMove={onMove} onEdit={onEdit} />
      )}
      {dialog?.kind === 'add' && <WidgetDialog org={org} widgets={widgets} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'edit' && <WidgetDialog org={org} widgets={widgets} widget={dialog.widget} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'templates' && <TemplateDialog org={org} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'share' && <ShareDialog org={org} dashboard={d} onClose={() => setDialog(null)} />}
    </div>
  );
}

/** The grid: measured after it mounts, so its width is the container's, not a guess. */
const DashboardGrid = memo(function DashboardGrid({ widgets, readOnly, onMove, onEdit }: {
  widgets: Widget[]; readOnly: boolean;
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
        <div className="stack">
          {sorted.map((w) => (
            <div key={w.widget_id} className={`stack-item stack-h${Math.min(w.grid.h, 6)}`}>
              <WidgetCard widget={w} readOnly={readOnly} onEdit={() => onEdit(w)} />
            </div>
          ))}
        </div>
      ) : (
        <ReactGridLayout width={width} layout={layout} compactor={verticalCompactor}
                         gridConfig={{ cols: 12, rowHeight: 60, margin: [16, 16], containerPadding: [0, 0] }}
                         dragConfig={{ enabled: !readOnly, handle: '.widget-drag', cancel: '.widget-actions' }}
                         resizeConfig={{ enabled: !readOnly, handles: ['se'] }}
                         onDragStop={(l) => persist(l)} onResizeStop={(l) => persist(l)}>
          {sorted.map((w) => (
            <div key={w.widget_id}>
              <WidgetCard widget={w} readOnly={readOnly} onEdit={() => onEdit(w)} />
            </div>
          ))}
        </ReactGridLayout>
      ))}
    </div>
  );
});
