// One widget: a title bar (the drag handle), its freshness, edit and delete, and its data.
// A widget on a domain the reader's roles lack is drawn quietly: muted, a one-line note.
// Memoized: the grid re-renders when its width changes (a window resized, a drag), and a widget
// whose data did not change is not drawn again then.
import { memo, useRef, useState } from 'react';
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
  const section = useRef<HTMLElement>(null);
  const confirmDelete = () => {
    setConfirming(false);
    const next = focusAfterDelete(section.current);
    remove.mutateAsync(widget.widget_id).then(() => {
      // The focus went with the widget (to the page's body) unless one has put it elsewhere since.
      const at = document.activeElement;
      if (!at || at === document.body || !at.isConnected || section.current?.contains(at)) next()?.focus();
    }, () => {});  // a refused delete is said in the widget (remove.isError), where the focus stays
  };
  const def = metricDef(widget.data_source, widget.query_params.metric);
  const drag = draggable && !readOnly;
  const source = `${kDomainLabels[widget.data_source as Source] ?? widget.data_source} · ${def?.label ?? widget.query_params.metric}`;
  const classes = ['widget', `widget-${widget.widget_type}`];
  if (widget.forbidden) classes.push('widget-forbidden');
  return (
    <section ref={section} className={classes.join(' ')} data-widget-id={widget.widget_id}
             data-org={widget.organization_id} aria-label={widget.title} tabIndex={-1}>
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
                            onDelete={confirmDelete} />
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
 * Where the focus goes once a widget is deleted (its Delete button and card are gone, and the
 * focus with them): the next widget in reading order, which takes its place, so that a keyboard
 * user goes on from where they were; the one before it when it was the last; the dashboard's "Add
 * widget" when it was the only one. Found when the delete is confirmed, by widget id, since the
 * grid may be drawn anew (a first change makes one's own copy) by the time the delete is done.
 */
function focusAfterDelete(section: HTMLElement | null): () => HTMLElement | null {
  const widgets = () => [...document.querySelectorAll<HTMLElement>('section[data-widget-id]')];
  const all = widgets();
  const i = section ? all.indexOf(section) : -1;
  const id = i < 0 ? undefined : (all[i + 1] ?? all[i - 1])?.dataset.widgetId;
  return () => (id !== undefined ? widgets().find((w) => w.dataset.widgetId === id) : undefined)
    ?? document.querySelector<HTMLButtonElement>('button[data-action="add-widget"]:not([disabled])');
}

/**
 * Asks before a widget is deleted, in the app's dialog (as a schedule's delete does), headed by
 * the widget's title: Escape or "Keep it" closes it with nothing sent, and the focus goes back to
 * the widget's Delete button. A refused delete is said in the widget itself (deleteFailure), where
 * the widget stays.
 */
function DeleteWidgetDialog({ title, onClose, onDelete }: { title: string; onClose: () => void; onDelete: () => void }) {
  return (
    <Dialog title={`Delete “${title}”?`} onClose={onClose}
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
