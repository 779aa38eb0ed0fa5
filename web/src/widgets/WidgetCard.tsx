// One widget: a title bar (the drag handle), its freshness, edit and delete, and its data.
import { metricDef } from '../api/catalog';
import { useDeleteWidget, type Widget } from '../api/dashboards';
import { useTenant } from '../api/tenant';
import { kDomainLabels, type Source } from '../auth/roles';
import { Freshness } from '../components/Freshness';
import { Icon } from '../components/Icon';
import { WidgetBody } from './WidgetBody';

export function WidgetCard({ widget, readOnly, onEdit }: { widget: Widget; readOnly: boolean; onEdit: () => void }) {
  const tenant = useTenant();
  const remove = useDeleteWidget(widget.organization_id);
  const def = metricDef(widget.data_source, widget.query_params.metric);
  return (
    <section className={`widget widget-${widget.widget_type}`} data-widget-id={widget.widget_id}
             data-org={widget.organization_id} aria-label={widget.title}>
      <header className="widget-head">
        <div className={readOnly ? 'widget-title' : 'widget-title widget-drag'}>
          {!readOnly && <span className="drag-grip" aria-hidden="true"><Icon name="drag" size={16} /></span>}
          <h2>{widget.title}</h2>
        </div>
        {!readOnly && (
          <div className="widget-actions">
            <button className="btn btn-ghost btn-icon btn-sm" aria-label={`Edit ${widget.title}`} onClick={onEdit}>
              <Icon name="edit" size={16} />
            </button>
            <button className="btn btn-ghost btn-icon btn-sm" aria-label={`Delete ${widget.title}`}
                    disabled={remove.isPending}
                    onClick={() => { if (window.confirm(`Delete “${widget.title}”?`)) remove.mutate(widget.widget_id); }}>
              <Icon name="trash" size={16} />
            </button>
          </div>
        )}
      </header>
      <div className="widget-body"><WidgetBody widget={widget} /></div>
      <footer className="widget-foot">
        <span className="subtle">{kDomainLabels[widget.data_source as Source] ?? widget.data_source} · {def?.label ?? widget.query_params.metric}</span>
        <Freshness asOf={widget.as_of} position={widget.position} locale={tenant.locale} />
      </footer>
    </section>
  );
}
