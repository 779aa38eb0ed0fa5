// One widget: a title bar (the drag handle), its freshness, edit and delete, and its data.
// A widget on a domain the reader's roles lack is drawn quietly: muted, a one-line note.
// Memoized: the grid re-renders when its width changes (a window resized, a drag), and a widget
// whose data did not change is not drawn again then.
import { memo, useState } from 'react';
import { metricDef } from '../api/catalog';
import { ApiError } from '../api/client';
import { useDeleteWidget, type DashboardScope, type Widget } from '../api/dashboards';
import { useTenant } from '../api/tenant';
import { kDomainLabels, type Source } from '../auth/roles';
import { Dialog } from '../components/Dialog';
import { Freshness } from '../components/Freshness';
import { Icon } from '../components/Icon';
import { WidgetBody } from './WidgetBody';

export const WidgetCard = memo(function WidgetCard({ widget, scope, readOnly, draggable = !readOnly, onEdit }: {
  widget: Widget; scope: DashboardScope; readOnly: boolean;
  /** Whether the title bar moves the widget (not in the one-column stack of narrow screens). */
  draggable?: boolean;
  /** Opens the edit dialog for this widget (a stable callback, so that memo holds). */
  onEdit: (w: Widget) => void;
}) {
  const tenant = useTenant();
  const remove = useDeleteWidget(scope);
  const [confirming, setConfirming] = useState(false);
  const def = metricDef(widget.data_source, widget.query_params.metric);
  const drag = draggable && !readOnly;
  const source = `${kDomainLabels[widget.data_source as Source] ?? widget.data_source} · ${def?.label ?? widget.query_params.metric}`;
  const classes = ['widget', `widget-${widget.widget_type}`];
  if (widget.forbidden) classes.push('widget-forbidden');
  return (
    <section className={classes.join(' ')} data-widget-id={widget.widget_id}
             data-org={widget.organization_id} aria-label={widget.title}>
      <header className="widget-head">
        <div className={drag ? 'widget-title widget-drag' : 'widget-title'}>
          {drag && <span className="drag-grip" aria-hidden="true"><Icon name="drag" size={16} /></span>}
          <h2 title={widget.title}>{widget.title}</h2>
        </div>
        {!readOnly && (
          <div className="widget-actions">
            <button className="btn btn-ghost btn-icon btn-sm" aria-label={`Edit ${widget.title}`} onClick={() => onEdit(widget)}>
              <Icon name="edit" size={16} />
            </button>
            <button className="btn btn-ghost btn-icon btn-sm" aria-label={`Delete ${widget.title}`}
                    disabled={remove.isPending} onClick={() => setConfirming(true)}>
              <Icon name="trash" size={16} />
            </button>
          </div>
        )}
      </header>
      {confirming && (
        <DeleteWidgetDialog title={widget.title} onClose={() => setConfirming(false)}
                            onDelete={() => { setConfirming(false); remove.mutate(widget.widget_id); }} />
      )}
      {remove.isError && (
        <p className="alert alert-error widget-alert" role="alert">{deleteFailure(remove.error)}</p>
      )}
      <div className="widget-body"><WidgetBody widget={widget} /></div>
      <footer className="widget-foot">
        <span className="subtle" title={source}>{source}</span>
        <Freshness asOf={widget.as_of} position={widget.position} locale={tenant.locale} />
      </footer>
    </section>
  );
});

/**
 * Asks before a widget is deleted, in the app's dialog (as a schedule's delete does): Escape or
 * "Keep it" closes it with nothing sent, and the focus goes back to the widget's Delete button.
 * A refused delete is said in the widget itself (deleteFailure), where the widget stays.
 */
function DeleteWidgetDialog({ title, onClose, onDelete }: { title: string; onClose: () => void; onDelete: () => void }) {
  return (
    <Dialog title="Delete this widget?" onClose={onClose}
            footer={<>
              <button type="button" className="btn" onClick={onClose}>Keep it</button>
              <button type="button" className="btn btn-primary btn-danger-solid" onClick={onDelete}
                      data-action="confirm-delete">Delete widget</button>
            </>}>
      <p><strong>{title}</strong> will be removed from this dashboard.</p>
    </Dialog>
  );
}

/** What a failed delete says in its widget: what happened (the server's words) and what to do. */
export function deleteFailure(error: unknown): string {
  const why = error instanceof ApiError ? (error.detail || error.title)
    : 'the server could not be reached';
  return `Not deleted: ${why.replace(/[.\s]+$/, '')}. Try again.`;
}
