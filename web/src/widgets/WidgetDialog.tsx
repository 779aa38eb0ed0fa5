// Add or edit a widget over the metric catalog: source, metric, type (and chart type), period
// or range with granularity, title, refresh interval. The server validates again; its 400/403/
// 422 answers are shown on the fields they name.
import { useMemo, useState } from 'react';
import { kCatalog, type MetricDef } from '../api/catalog';
import { ApiError } from '../api/client';
import { useCreateWidget, useUpdateWidget, type ChartType, type Widget, type WidgetRequest, type WidgetType } from '../api/dashboards';
import { useTenant } from '../api/tenant';
import { canReadCross, kDomainLabels, readableDomains, type Source } from '../auth/roles';
import { loadSession } from '../auth/session';
import { Dialog } from '../components/Dialog';
import { currentPeriod, kGranularities, shiftPeriod, type Granularity } from '../format/period';

const kTypes: { value: WidgetType; label: string }[] = [
  { value: 'metric', label: 'Number' },
  { value: 'chart', label: 'Chart' },
  { value: 'table', label: 'Table' },
  { value: 'list', label: 'Ranked list' },
];
const kDefaultSize: Record<WidgetType, { w: number; h: number }> = {
  metric: { w: 3, h: 2 }, chart: { w: 6, h: 4 }, table: { w: 4, h: 4 }, list: { w: 4, h: 4 },
};

/** Which metrics a widget type can show. */
export function metricsFor(type: WidgetType, source: Source): MetricDef[] {
  const all = kCatalog[source] ?? [];
  switch (type) {
    case 'metric': return all.filter((m) => m.shape === 'number');
    case 'chart': return all.filter((m) => m.shape !== 'list');
    case 'table': return all.filter((m) => m.shape !== 'list');
    case 'list': return all.filter((m) => m.shape !== 'number');
  }
}

/** The first free row under every widget, for a new one. */
export function nextSlot(widgets: Widget[], w: number, h: number) {
  const y = widgets.reduce((m, x) => Math.max(m, x.grid.y + x.grid.h), 0);
  return { x: 0, y, w, h };
}

export function WidgetDialog({ org, widgets, widget, onClose }: {
  org: string; widgets: Widget[]; widget?: Widget; onClose: () => void;
}) {
  const tenant = useTenant();
  const roles = loadSession()?.claims.roles ?? [];
  const sources: Source[] = [...readableDomains(roles), ...(canReadCross(roles) ? ['cross' as const] : [])];
  const create = useCreateWidget(org);
  const update = useUpdateWidget(org);
  const q = widget?.query_params;

  const [type, setType] = useState<WidgetType>(widget?.widget_type ?? 'metric');
  const [source, setSource] = useState<Source>((widget?.data_source as Source) ?? sources[0] ?? 'crm');
  const options = useMemo(() => metricsFor(type, source), [type, source]);
  const [metric, setMetric] = useState(q?.metric ?? options[0]?.key ?? '');
  const [chartType, setChartType] = useState<ChartType>((widget?.chart_type as ChartType) || 'line');
  const [granularity, setGranularity] = useState<Granularity>((q?.granularity as Granularity) ?? 'month');
  const [periodMode, setPeriodMode] = useState<'current' | 'fixed'>(q?.period ? 'fixed' : 'current');
  const [period, setPeriod] = useState(q?.period ?? currentPeriod('month', tenant.timezone));
  const [count, setCount] = useState(12);
  const [title, setTitle] = useState(widget?.title ?? '');
  const [refresh, setRefresh] = useState(widget?.refresh_interval ?? 300);
  const [error, setError] = useState<ApiError | null>(null);
  // Place and size, for keyboard users (the grid's drag and resize need a pointer).
  const [grid, setGrid] = useState(widget?.grid);

  const def = options.find((m) => m.key === metric) ?? options[0];
  const isSeries = (type === 'chart' || type === 'table') && def?.shape === 'number';
  const chartTypes: ChartType[] = def?.shape === 'map' ? ['donut', 'pie', 'bar'] : ['line', 'bar'];

  const body = (): WidgetRequest => {
    const query: WidgetRequest['query_params'] = { metric: def?.key ?? metric };
    if (isSeries) {
      const to = currentPeriod(granularity, tenant.timezone);
      query.granularity = granularity;
      query.from = shiftPeriod(to, -(count - 1));
      query.to = to;
    } else if (periodMode === 'fixed') {
      query.period = period;
    }
    if (type === 'list') query.limit = 10;
    const req: WidgetRequest = {
      widget_type: type,
      title: title.trim() || def?.label || metric,
      data_source: source,
      query_params: query,
      refresh_interval: refresh,
    };
    if (type === 'chart') req.chart_type = chartTypes.includes(chartType) ? chartType : chartTypes[0];
    if (!widget) req.grid = nextSlot(widgets, kDefaultSize[type].w, kDefaultSize[type].h);
    else if (grid && (grid.x !== widget.grid.x || grid.y !== widget.grid.y || grid.w !== widget.grid.w || grid.h !== widget.grid.h)) {
      req.grid = grid;
    }
    return req;
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      if (widget) await update.mutateAsync({ id: widget.widget_id, body: body() });
      else await create.mutateAsync(body());
      onClose();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'Network error', 'The server could not be reached.'));
    }
  };
  const busy = create.isPending || update.isPending;

  return (
    <Dialog title={widget ? 'Edit widget' : 'Add widget'} onClose={onClose}
            footer={<>
              <button className="btn" type="button" onClick={onClose}>Cancel</button>
              <button className="btn btn-primary" type="submit" form="widget-form" disabled={busy || !def}>
                {busy ? 'Saving…' : widget ? 'Save' : 'Add widget'}
              </button>
            </>}>
      <form id="widget-form" onSubmit={submit} className="form-grid">
        <fieldset className="field">
          <legend>Show as</legend>
          <div className="segmented" role="group" aria-label="Widget type">
            {kTypes.map((t) => (
              <button type="button" key={t.value} aria-pressed={type === t.value}
                      onClick={() => { setType(t.value); const o = metricsFor(t.value, source); if (!o.some((m) => m.key === metric)) setMetric(o[0]?.key ?? ''); }}>
                {t.label}
              </button>
            ))}
          </div>
        </fieldset>
        <div className="grid-2">
          <label className="field">
            <span>Source</span>
            <select className="select" name="data_source" value={source} onChange={(e) => {
              const s = e.target.value as Source; setSource(s); setMetric(metricsFor(type, s)[0]?.key ?? '');
            }}>
              {sources.map((s) => <option key={s} value={s}>{kDomainLabels[s]}</option>)}
            </select>
          </label>
          <label className="field">
            <span>Metric</span>
            <select className="select" name="metric" value={def?.key ?? ''} onChange={(e) => setMetric(e.target.value)}>
              {options.map((m) => <option key={m.key} value={m.key}>{m.label}</option>)}
            </select>
          </label>
        </div>
        {type === 'chart' && (
          <label className="field">
            <span>Chart type</span>
            <select className="select" name="chart_type" value={chartTypes.includes(chartType) ? chartType : chartTypes[0]}
                    onChange={(e) => setChartType(e.target.value as ChartType)}>
              {chartTypes.map((c) => <option key={c} value={c}>{c[0].toUpperCase() + c.slice(1)}</option>)}
            </select>
          </label>
        )}
        {isSeries ? (
          <div className="grid-2">
            <label className="field">
              <span>Granularity</span>
              <select className="select" value={granularity} onChange={(e) => setGranularity(e.target.value as Granularity)}>
                {kGranularities.map((g) => <option key={g} value={g}>{g}</option>)}
              </select>
            </label>
            <label className="field">
              <span>Periods shown</span>
              <input className="input" type="number" min={2} max={60} value={count}
                     onChange={(e) => setCount(Math.max(2, Math.min(60, Number(e.target.value) || 12)))} />
            </label>
          </div>
        ) : (
          <div className="grid-2">
            <label className="field">
              <span>Period</span>
              <select className="select" value={periodMode} onChange={(e) => setPeriodMode(e.target.value as 'current' | 'fixed')}>
                <option value="current">Always the current month</option>
                <option value="fixed">A fixed period</option>
              </select>
            </label>
            {periodMode === 'fixed' && (
              <label className="field">
                <span>Fixed period</span>
                <input className="input" value={period} onChange={(e) => setPeriod(e.target.value)}
                       placeholder="2024-01, 2024-Q1, 2024-W03, 2024" />
              </label>
            )}
          </div>
        )}
        <div className="grid-2">
          <label className="field">
            <span>Title</span>
            <input className="input" name="title" value={title} maxLength={200} placeholder={def?.label}
                   onChange={(e) => setTitle(e.target.value)} />
          </label>
          <label className="field">
            <span>Refresh (seconds)</span>
            <input className="input" type="number" min={5} max={86400} value={refresh}
                   onChange={(e) => setRefresh(Number(e.target.value) || 300)} />
          </label>
        </div>
        {grid && (
          <fieldset className="field">
            <legend>Place on the 12-column grid</legend>
            <div className="grid-4">
              {(['x', 'y', 'w', 'h'] as const).map((k) => (
                <label className="field" key={k}>
                  <span>{{ x: 'Column', y: 'Row', w: 'Width', h: 'Height' }[k]}</span>
                  <input className="input" type="number" min={k === 'w' || k === 'h' ? 1 : 0}
                         max={k === 'x' ? 11 : k === 'w' ? 12 : k === 'h' ? 24 : 999} value={grid[k]}
                         onChange={(e) => setGrid({ ...grid, [k]: Math.max(0, Math.floor(Number(e.target.value) || 0)) })} />
                </label>
              ))}
            </div>
          </fieldset>
        )}
        {error && (
          <div className="alert alert-error" role="alert">
            {error.detail || error.title}
            {error.fields.length > 0 && <ul>{error.fields.map((f) => <li key={f.field}><b>{f.field}</b>: {f.message}</li>)}</ul>}
          </div>
        )}
      </form>
    </Dialog>
  );
}
