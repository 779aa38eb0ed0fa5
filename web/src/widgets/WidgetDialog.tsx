// Add or edit a widget over the metric catalog: source, metric, type (and chart type), period
// or range with granularity, title, refresh interval. The server validates again; its 400/403/
// 422 answers are shown next to the fields they name.
import { useId, useMemo, useState, type ReactNode } from 'react';
import { kCatalog, type MetricDef } from '../api/catalog';
import { ApiError } from '../api/client';
import {
  useCreateWidget, useUpdateWidget, type ChartType, type DashboardScope, type Grid, type QueryParams, type Widget,
  type WidgetRequest, type WidgetType,
} from '../api/dashboards';
import { useTenant } from '../api/tenant';
import { canReadCross, kDomainLabels, readableDomains, type Source } from '../auth/roles';
import { loadSession } from '../auth/session';
import { Dialog } from '../components/Dialog';
import { PeriodPicker } from '../components/PeriodPicker';
import { currentPeriod, granularityOf, kGranularities, periodLabel, shiftPeriod, type Granularity } from '../format/period';

const kTypes: { value: WidgetType; label: string }[] = [
  { value: 'metric', label: 'Number' },
  { value: 'chart', label: 'Chart' },
  { value: 'table', label: 'Table' },
  { value: 'list', label: 'Ranked list' },
];
const kDefaultSize: Record<WidgetType, { w: number; h: number }> = {
  metric: { w: 3, h: 2 }, chart: { w: 6, h: 4 }, table: { w: 4, h: 4 }, list: { w: 4, h: 4 },
};
const kCols = 12;
/** A series without from/to is the 12 periods up to now (the server's default), moving with time. */
const kMovingCount = 12;

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

/**
 * The first free place of a `w`×`h` widget on the 12-column grid: rows top to bottom, in each
 * row columns left to right (the server's rule for a widget posted without a grid).
 */
export function nextSlot(widgets: { grid: Grid }[], w: number, h: number): Grid {
  const width = Math.min(Math.max(1, w), kCols);
  const bottom = widgets.reduce((m, x) => Math.max(m, x.grid.y + x.grid.h), 0);
  const free = (x: number, y: number) => !widgets.some(({ grid: g }) =>
    x < g.x + g.w && g.x < x + width && y < g.y + g.h && g.y < y + h);
  for (let y = 0; y < bottom; y++) {
    for (let x = 0; x + width <= kCols; x++) {
      if (free(x, y)) return { x, y, w: width, h };
    }
  }
  return { x: 0, y: bottom, w: width, h };
}

/** How many periods from `from` to `to` (both included, the same granularity), else null. */
export function periodCount(from: string | undefined, to: string | undefined): number | null {
  const g = from ? granularityOf(from) : null;
  if (!from || !to || !g || granularityOf(to) !== g || from > to) return null;
  let p = from;
  for (let n = 1; n <= 1000; n++) {
    if (p === to) return n;
    p = shiftPeriod(p, 1);
  }
  return null;
}

/** The range a series widget's query shows: its granularity and number of periods. */
export function seriesOf(q: QueryParams | undefined): { granularity: Granularity; count: number } {
  const g = (q?.granularity && (kGranularities as string[]).includes(q.granularity) ? q.granularity
    : (q?.from && granularityOf(q.from)) || 'month') as Granularity;
  const n = q?.from && q?.to && granularityOf(q.from) === g ? periodCount(q.from, q.to) : null;
  return { granularity: g, count: n ?? kMovingCount };
}

/** The typed number fields: their label and the whole numbers they take (the server's limits). */
export const kNumberFields = {
  count: { label: 'Periods shown', min: 2, max: 60 },
  refresh_interval: { label: 'Refresh (seconds)', min: 5, max: 86400 },
} as const;
type NumberField = keyof typeof kNumberFields;

/** `text` as a whole number, or null when it is not one (empty, a fraction, not a number). */
export function wholeNumber(text: string): number | null {
  const t = text.trim();
  return /^[+-]?\d+$/.test(t) ? Number(t) : null;
}

/** What is wrong with the text of a number field, naming the field and what it takes; null
 *  when it is a whole number in range. */
export function numberFieldError(field: NumberField, text: string): string | null {
  const { label, min, max } = kNumberFields[field];
  const n = wholeNumber(text);
  if (n !== null && n >= min && n <= max) return null;
  return `${label} must be a whole number from ${min} to ${max}.`;
}

/** The dialog's control a server field error belongs to (null: shown with the general error). */
function controlOf(field: string, series: boolean): string | null {
  const f = field.replace(/^query_params\./, '');
  if (f.startsWith('grid')) return 'grid';
  if (f === 'from' || f === 'to') return series ? 'count' : 'period';
  if (['widget_type', 'data_source', 'metric', 'chart_type', 'granularity', 'period', 'title', 'refresh_interval',
    'limit'].includes(f)) {
    return f === 'limit' ? 'metric' : f;
  }
  return null;
}

/** Scrolls a new widget into view once the dashboard shows it: it may land below the fold,
 *  and on a phone's one-column stack it always comes last. Gives up after two seconds. */
export function revealWidget(id: string, deadline = Date.now() + 2000): void {
  const el = document.querySelector(`[data-widget-id="${CSS.escape(id)}"]`);
  if (el) {
    el.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    return;
  }
  if (Date.now() < deadline) requestAnimationFrame(() => revealWidget(id, deadline));
}

export function WidgetDialog({ scope, widgets, widget, onClose }: {
  scope: DashboardScope; widgets: Widget[]; widget?: Widget; onClose: () => void;
}) {
  const tenant = useTenant();
  const id = useId();
  const roles = loadSession()?.claims.roles ?? [];
  const sources: Source[] = [...readableDomains(roles), ...(canReadCross(roles) ? ['cross' as const] : [])];
  const create = useCreateWidget(scope);
  const update = useUpdateWidget(scope);
  const q = widget?.query_params;
  const initialSeries = useMemo(() => seriesOf(q), [q]);

  const [type, setType] = useState<WidgetType>(widget?.widget_type ?? 'metric');
  const [source, setSource] = useState<Source>((widget?.data_source as Source) ?? sources[0] ?? 'crm');
  const options = useMemo(() => metricsFor(type, source), [type, source]);
  const [metric, setMetric] = useState(q?.metric ?? options[0]?.key ?? '');
  const [chartType, setChartType] = useState<ChartType>((widget?.chart_type as ChartType) || 'line');
  const [granularity, setGranularity] = useState<Granularity>(initialSeries.granularity);
  // The number fields keep what is typed (a clamp on every keystroke turned "15" into 25); they
  // are checked when left and on submit, and an empty or out-of-range value is shown as the
  // field's error, never changed behind the user's back.
  const [countText, setCountText] = useState(String(initialSeries.count));
  const [periodMode, setPeriodMode] = useState<'current' | 'fixed'>(q?.period ? 'fixed' : 'current');
  const [period, setPeriod] = useState(q?.period && granularityOf(q.period) ? q.period : currentPeriod('month', tenant.timezone));
  const [title, setTitle] = useState(widget?.title ?? '');
  const [refreshText, setRefreshText] = useState(String(widget?.refresh_interval ?? 300));
  const [numberErrors, setNumberErrors] = useState<Partial<Record<NumberField, string>>>({});
  // The range shown while a count is being typed: the last one that is valid.
  const typedCount = numberFieldError('count', countText) === null ? wholeNumber(countText)! : null;
  const [lastCount, setLastCount] = useState(initialSeries.count);
  if (typedCount !== null && typedCount !== lastCount) setLastCount(typedCount);
  const count = typedCount ?? lastCount;
  const [error, setError] = useState<ApiError | null>(null);
  const cid = (c: string) => `${id}-${c}`;
  // Place and size, for keyboard users (the grid's drag and resize need a pointer).
  const [grid, setGrid] = useState(widget?.grid);

  const def = options.find((m) => m.key === metric) ?? options[0];
  const isSeries = (type === 'chart' || type === 'table') && def?.shape === 'number';
  const chartTypes: ChartType[] = def?.shape === 'map' ? ['donut', 'pie', 'bar'] : ['line', 'bar'];

  /** The series' from/to: kept as they were when neither granularity nor count changed. */
  const range = (): { from?: string; to?: string } => {
    if (q?.from && q?.to && granularity === initialSeries.granularity && count === initialSeries.count) {
      return { from: q.from, to: q.to };
    }
    if (count === kMovingCount) return {};
    const to = currentPeriod(granularity, tenant.timezone);
    return { from: shiftPeriod(to, -(count - 1)), to };
  };
  const seriesRange = isSeries ? range() : {};

  const body = (): WidgetRequest => {
    const query: QueryParams = { metric: def?.key ?? metric };
    if (isSeries) {
      query.granularity = granularity;
      if (seriesRange.from && seriesRange.to) {
        query.from = seriesRange.from;
        query.to = seriesRange.to;
      }
    } else if (periodMode === 'fixed') {
      query.period = period;
    }
    if (type === 'list') query.limit = q?.limit ?? 10;
    else if (type === 'table' && !isSeries && q?.limit) query.limit = q.limit;
    const req: WidgetRequest = {
      widget_type: type,
      title: title.trim() || def?.label || metric,
      data_source: source,
      query_params: query,
      refresh_interval: wholeNumber(refreshText) ?? 300,
    };
    if (type === 'chart') req.chart_type = chartTypes.includes(chartType) ? chartType : chartTypes[0];
    if (!widget) req.grid = nextSlot(widgets, kDefaultSize[type].w, kDefaultSize[type].h);
    else if (grid && (grid.x !== widget.grid.x || grid.y !== widget.grid.y || grid.w !== widget.grid.w || grid.h !== widget.grid.h)) {
      req.grid = grid;
    }
    return req;
  };

  /** Checks a number field (when it is left): shows its error, or clears it. */
  const check = (field: NumberField, text: string) =>
    setNumberErrors((errors) => ({ ...errors, [field]: numberFieldError(field, text) ?? undefined }));
  /** Typing clears the field's error once the text is valid; a new error waits for the blur. */
  const typed = (field: NumberField, text: string) => {
    if (field === 'count') setCountText(text); else setRefreshText(text);
    if (numberErrors[field] && numberFieldError(field, text) === null) check(field, text);
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const errors: Partial<Record<NumberField, string>> = {
      count: isSeries ? numberFieldError('count', countText) ?? undefined : undefined,
      refresh_interval: numberFieldError('refresh_interval', refreshText) ?? undefined,
    };
    setNumberErrors(errors);
    const first = (['count', 'refresh_interval'] as const).find((f) => errors[f]);
    if (first) {
      document.getElementById(cid(first))?.focus();
      return;
    }
    try {
      if (widget) {
        await update.mutateAsync({ id: widget.widget_id, body: body() });
        onClose();
      } else {
        const made = await create.mutateAsync(body());
        onClose();
        if (made) revealWidget(made.widget_id);
      }
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'Network error', 'The server could not be reached.'));
    }
  };
  const busy = create.isPending || update.isPending;

  // The server's field errors, by the control they name; the rest go with the general error.
  const fieldErrors = new Map<string, string[]>();
  for (const [f, message] of Object.entries(numberErrors)) {
    if (message && (f !== 'count' || isSeries)) fieldErrors.set(f, [message]);
  }
  const otherErrors: { field: string; message: string }[] = [];
  for (const f of error?.fields ?? []) {
    const c = controlOf(f.field, isSeries);
    if (c) fieldErrors.set(c, [...(fieldErrors.get(c) ?? []), f.message]);
    else otherErrors.push(f);
  }
  const invalid = (c: string) => (fieldErrors.has(c)
    ? { 'aria-invalid': true as const, 'aria-describedby': `${cid(c)}-error` } : {});
  const errorOf = (c: string): ReactNode => fieldErrors.has(c) && (
    <p className="field-error" id={`${cid(c)}-error`}>{fieldErrors.get(c)!.join(' ')}</p>
  );

  return (
    <Dialog title={widget ? 'Edit widget' : 'Add widget'} onClose={onClose}
            footer={<>
              <button className="btn" type="button" onClick={onClose}>Cancel</button>
              <button className="btn btn-primary" type="submit" form="widget-form" disabled={busy || !def}>
                {busy ? 'Saving…' : widget ? 'Save' : 'Add widget'}
              </button>
            </>}>
      <form id="widget-form" onSubmit={submit} className="form-grid" noValidate>
        <fieldset className="field">
          <legend>Show as</legend>
          <div className="segmented" role="group" aria-label="Widget type" {...invalid('widget_type')}>
            {kTypes.map((t) => (
              <button type="button" key={t.value} aria-pressed={type === t.value}
                      onClick={() => { setType(t.value); const o = metricsFor(t.value, source); if (!o.some((m) => m.key === metric)) setMetric(o[0]?.key ?? ''); }}>
                {t.label}
              </button>
            ))}
          </div>
          {errorOf('widget_type')}
        </fieldset>
        <div className="grid-2">
          <div className="field">
            <label htmlFor={cid('data_source')}>Source</label>
            <select id={cid('data_source')} className="select" name="data_source" value={source} {...invalid('data_source')}
                    onChange={(e) => {
                      const s = e.target.value as Source; setSource(s); setMetric(metricsFor(type, s)[0]?.key ?? '');
                    }}>
              {sources.map((s) => <option key={s} value={s}>{kDomainLabels[s]}</option>)}
            </select>
            {errorOf('data_source')}
          </div>
          <div className="field">
            <label htmlFor={cid('metric')}>Metric</label>
            <select id={cid('metric')} className="select" name="metric" value={def?.key ?? ''} {...invalid('metric')}
                    onChange={(e) => setMetric(e.target.value)}>
              {options.map((m) => <option key={m.key} value={m.key}>{m.label}</option>)}
            </select>
            {errorOf('metric')}
          </div>
        </div>
        {type === 'chart' && (
          <div className="field">
            <label htmlFor={cid('chart_type')}>Chart type</label>
            <select id={cid('chart_type')} className="select" name="chart_type" {...invalid('chart_type')}
                    value={chartTypes.includes(chartType) ? chartType : chartTypes[0]}
                    onChange={(e) => setChartType(e.target.value as ChartType)}>
              {chartTypes.map((c) => <option key={c} value={c}>{c[0].toUpperCase() + c.slice(1)}</option>)}
            </select>
            {errorOf('chart_type')}
          </div>
        )}
        {isSeries ? (
          <div>
            <div className="grid-2">
              <div className="field">
                <label htmlFor={cid('granularity')}>Granularity</label>
                <select id={cid('granularity')} className="select" value={granularity} {...invalid('granularity')}
                        onChange={(e) => setGranularity(e.target.value as Granularity)}>
                  {kGranularities.map((g) => <option key={g} value={g}>{g}</option>)}
                </select>
                {errorOf('granularity')}
              </div>
              <div className="field">
                <label htmlFor={cid('count')}>Periods shown</label>
                <input id={cid('count')} className="input" type="number" min={kNumberFields.count.min}
                       max={kNumberFields.count.max} step={1} value={countText} {...invalid('count')}
                       onChange={(e) => typed('count', e.target.value)} onBlur={(e) => check('count', e.target.value)} />
                {errorOf('count')}
              </div>
            </div>
            <p className="field-hint" data-range={seriesRange.from ? `${seriesRange.from}/${seriesRange.to}` : 'moving'}>
              {seriesRange.from && seriesRange.to
                ? `A fixed range: ${periodLabel(seriesRange.from, tenant.locale)} to ${periodLabel(seriesRange.to, tenant.locale)}`
                  + (count === kMovingCount ? '.' : ` (only the last ${kMovingCount} periods move with time).`)
                : `The last ${kMovingCount} ${granularity}s up to now (moves with time).`}
            </p>
          </div>
        ) : (
          <div className="field">
            <label htmlFor={cid('period')}>Period</label>
            <select id={cid('period')} className="select" value={periodMode} {...invalid('period')}
                    onChange={(e) => setPeriodMode(e.target.value as 'current' | 'fixed')}>
              <option value="current">The current month (moves with time)</option>
              <option value="fixed">A fixed period</option>
            </select>
            {periodMode === 'fixed' && (
              <div className="period-fixed">
                <PeriodPicker period={period} onChange={setPeriod} timezone={tenant.timezone} locale={tenant.locale} />
                <p className="field-hint">Fixed: it shows {periodLabel(period, tenant.locale)}, also later on.</p>
              </div>
            )}
            {errorOf('period')}
          </div>
        )}
        <div className="grid-2">
          <div className="field">
            <label htmlFor={cid('title')}>Title</label>
            <input id={cid('title')} className="input" name="title" value={title} maxLength={200} placeholder={def?.label}
                   {...invalid('title')} onChange={(e) => setTitle(e.target.value)} />
            {errorOf('title')}
          </div>
          <div className="field">
            <label htmlFor={cid('refresh_interval')}>Refresh (seconds)</label>
            <input id={cid('refresh_interval')} className="input" type="number" min={kNumberFields.refresh_interval.min}
                   max={kNumberFields.refresh_interval.max} step={1} value={refreshText} {...invalid('refresh_interval')}
                   onChange={(e) => typed('refresh_interval', e.target.value)}
                   onBlur={(e) => check('refresh_interval', e.target.value)} />
            {errorOf('refresh_interval')}
          </div>
        </div>
        {grid && (
          <fieldset className="field" {...(fieldErrors.has('grid') ? { 'aria-describedby': `${cid('grid')}-error` } : {})}>
            <legend>Place on the 12-column grid</legend>
            <div className="grid-4">
              {(['x', 'y', 'w', 'h'] as const).map((k) => (
                <div className="field" key={k}>
                  <label htmlFor={cid(`grid-${k}`)}>{{ x: 'Column', y: 'Row', w: 'Width', h: 'Height' }[k]}</label>
                  <input id={cid(`grid-${k}`)} className="input" type="number" min={k === 'w' || k === 'h' ? 1 : 0}
                         max={k === 'x' ? 11 : k === 'w' ? 12 : k === 'h' ? 24 : 999} value={grid[k]}
                         aria-invalid={fieldErrors.has('grid') || undefined}
                         onChange={(e) => setGrid({ ...grid, [k]: Math.max(0, Math.floor(Number(e.target.value) || 0)) })} />
                </div>
              ))}
            </div>
            {errorOf('grid')}
          </fieldset>
        )}
        {error && (
          <div className="alert alert-error" role="alert">
            {error.detail || error.title}
            {fieldErrors.size > 0 && otherErrors.length === 0 && ' See the marked fields.'}
            {otherErrors.length > 0 && <ul>{otherErrors.map((f) => <li key={f.field}><b>{f.field}</b>: {f.message}</li>)}</ul>}
          </div>
        )}
      </form>
    </Dialog>
  );
}
