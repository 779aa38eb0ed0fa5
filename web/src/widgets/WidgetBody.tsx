// The data of one widget, drawn by its type: a number, a chart, a table or a list. Every
// number carries data-metric/data-value (web.md "Testing hooks"), charts data-series.
import { useMemo } from 'react';
import { metricDef, type MetricDef } from '../api/catalog';
import type { Row, Widget } from '../api/dashboards';
import { useTenant } from '../api/tenant';
import { BreakdownChart } from '../charts/BreakdownChart';
import { Chart } from '../charts/Chart';
import {
  blankBefore, breakdownOption, breakdownSlices, firstDataIndex, isPie, lastIsPartial, paletteFromCss, seriesOption,
  type BreakdownKind, type Slice,
} from '../charts/chartOptions';
import { keyLabel, orderByKey } from '../format/keys';
import { formatValue, type Unit } from '../format/number';
import { currentPeriod, granularityOf, periodLabel } from '../format/period';
import { kCrossSources, kDomainLabels, type Source } from '../auth/roles';
import { useTheme } from '../components/theme';

/** A chart's slices from a widget's rows: a map's entries named for people, in the order of
 *  `metric`'s keys where they have one (breakdownSlices); the top performers by their user ids. */
export function rowsToSlices(rows: Row[], metric: string): Slice[] {
  if (rows.length > 0 && rows.every((r) => r.key !== undefined && r.key !== null)) {
    return breakdownSlices(metric, rows.map((r) => ({ key: String(r.key), value: Number(r.value ?? 0) })));
  }
  return rows.map((r) => ({ name: String(r.key ?? r.period ?? r.user_id ?? ''), value: Number(r.value ?? r.won_value ?? 0) }));
}

/** Why a widget shows nothing to this reader, naming the domains as the navigation does. */
export function forbiddenNote(widget: Pick<Widget, 'data_source' | 'query_params'>): string {
  const label = (d: string) => kDomainLabels[d as Source] ?? d;
  const needs = widget.data_source === 'cross' ? kCrossSources[widget.query_params.metric] : undefined;
  if (needs) {
    const names = needs.map(label);
    return `Needs ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}; your roles do not include them all.`;
  }
  return `Your roles do not include ${label(widget.data_source)}.`;
}

export function WidgetBody({ widget }: { widget: Widget }) {
  const tenant = useTenant();
  const ctx = { locale: tenant.locale, currency: tenant.currency };
  const def = metricDef(widget.data_source, widget.query_params.metric);
  const unit: Unit = def?.unit ?? 'number';
  const metric = `${widget.data_source}.${widget.query_params.metric}`;
  const data = widget.cached_data;
  // The palette is read from the CSS variables of the theme in use: again when it changes.
  const theme = useTheme();
  const palette = useMemo(() => paletteFromCss(), [theme]); // eslint-disable-line react-hooks/exhaustive-deps

  // A breakdown chart's slices, and whether it is a pie (or donut): then with its legend.
  const breakdownKind = (widget.chart_type || 'donut') as BreakdownKind;
  const slices = useMemo(() => (widget.widget_type === 'chart' && data && 'rows' in data ? rowsToSlices(data.rows, metric) : []),
    [data, widget.widget_type, metric]);

  const option = useMemo(() => {
    if (widget.widget_type !== 'chart' || !data) return null;
    if ('points' in data) {
      const kind = widget.chart_type === 'bar' ? 'bar' : 'line';
      // The periods before the tenant's first data are gaps, not zeros (chartOptions.ts).
      // The period under way, in the tenant's zone: its point is "to date" (chartOptions.ts).
      const g = data.points.length ? granularityOf(data.points[data.points.length - 1].period) : null;
      const partial = lastIsPartial(data.points, g ? currentPeriod(g, tenant.timezone) : null);
      return seriesOption(blankBefore(data.points, firstDataIndex(data.points)), kind, unit, ctx, palette,
        widget.title, partial);
    }
    if ('rows' in data) return breakdownOption(slices, breakdownKind, unit, ctx, palette);
    return null;
  }, [data, slices, widget.widget_type, widget.chart_type, unit, ctx.locale, ctx.currency, palette, tenant.timezone]); // eslint-disable-line react-hooks/exhaustive-deps

  if (widget.forbidden) return <p className="widget-note widget-forbidden-note">{forbiddenNote(widget)}</p>;
  if (widget.error) return <p className="widget-note widget-error">{widget.error}</p>;
  if (!data) return <p className="widget-note">No data for this period yet.</p>;

  if ('value' in data) {
    return (
      <div className="metric-value" data-period={data.period}>
        <span className="big-number" data-metric={metric}
              data-value={data.value === null ? '' : String(data.value)}>
          {formatValue(data.value, unit, ctx)}
        </span>
        <span className="subtle">{periodLabel(data.period, tenant.locale)}</span>
      </div>
    );
  }
  // The period under way (its value is "to date"), as the chart marks it.
  const points = 'points' in data ? data.points : null;
  const g = points?.length ? granularityOf(points[points.length - 1].period) : null;
  const underWay = points && g && lastIsPartial(points, currentPeriod(g, tenant.timezone))
    ? points[points.length - 1].period : undefined;
  if (option) {
    if ('rows' in data && isPie(breakdownKind)) {
      // The legend under the pie shows every slice's name and value as text, with its hooks.
      return <BreakdownChart option={option} slices={slices} unit={unit} ctx={ctx} palette={palette}
                             series={metric} label={`${widget.title}, chart`} />;
    }
    // A line or bar chart is an image: its values are also in a table for screen readers,
    // visually hidden (the tooltip shows them to a mouse). A series' table starts where its
    // data does, as the chart's line does (the periods before are gaps, not zeros).
    const rows: Row[] = points
      ? points.slice(Math.max(0, firstDataIndex(points))).map((p) => ({ period: p.period, value: p.value }))
      : 'rows' in data ? data.rows : [];
    return (
      <>
        <Chart option={option} series={metric} label={`${widget.title}, chart`} />
        {rows.length > 0 && (
          <div className="visually-hidden">
            <RowsTable metric={metric} def={def} unit={unit} ctx={ctx} rows={rows} underWay={underWay}
                       period={'rows' in data ? data.period : undefined} caption={`${widget.title}, values`} />
          </div>
        )}
      </>
    );
  }
  if (points) {
    if (points.length === 0) return <p className="widget-note">No data for these periods yet.</p>;
    return <RowsTable metric={metric} def={def} unit={unit} ctx={ctx} underWay={underWay}
                      rows={points.map((p) => ({ period: p.period, value: p.value }))} />;
  }
  if ('rows' in data) {
    if (data.rows.length === 0) return <p className="widget-note">Nothing to list for this period.</p>;
    return <RowsTable metric={metric} def={def} unit={unit} ctx={ctx} rows={data.rows} period={data.period}
                      list={widget.widget_type === 'list'} />;
  }
  return null;
}

/**
 * A table of a widget's rows: a row per period of a series (data-period on the row, the value's
 * data-metric `<domain>.<metric>`), or per entry of a breakdown (data-metric
 * `<domain>.<metric>.<key>`, the raw key) or of the top performers. Periods are labelled as
 * elsewhere in the app; `underWay`, the period under way, reads "to date". A breakdown's keys
 * are named for people and come in the order of the metric's keys where they have one (a
 * pipeline's stages: format/keys.ts), under the heads of `def` ("Stage", "Open opportunities").
 * No rows: nothing (a caller says why).
 */
function RowsTable({ rows: given, metric, def, unit, ctx, period, list, underWay, caption }: {
  rows: Row[]; metric: string; def?: MetricDef; unit: Unit; ctx: { locale?: string; currency: string };
  period?: string; list?: boolean; underWay?: string; caption?: string;
}) {
  if (given.length === 0) return null;
  const isPerformers = 'user_id' in given[0];
  const isSeries = 'period' in given[0];
  const rows = isPerformers || isSeries ? given : orderByKey(metric, given, (r) => String(r.key ?? ''));
  const max = Math.max(1e-9, ...rows.map((r) => Math.abs(Number(r.value ?? r.won_value ?? 0))));
  return (
    <div className="table-wrap" data-period={period}>
      <table className={list ? 'table table-list' : 'table'}>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            <th scope="col">{isPerformers ? 'User' : isSeries ? 'Period' : def?.entryLabel ?? 'Name'}</th>
            {isPerformers && <th scope="col" className="num">Deals</th>}
            <th scope="col" className="num">
              {isPerformers ? 'Won value' : isSeries ? 'Value' : def?.valueLabel ?? def?.label ?? 'Value'}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const name = String(r.key ?? r.period ?? r.user_id ?? i);
            const value = (r.value ?? r.won_value ?? null) as number | null;
            const entry = 'period' in r ? {} : { 'data-metric': `${metric}.${name}` };
            const rowPeriod = 'period' in r ? { 'data-period': String(r.period) } : {};
            const label = 'period' in r
              ? periodLabel(name, ctx.locale) + (name === underWay ? ' (to date)' : '')
              : 'key' in r ? keyLabel(name) : name;
            return (
              <tr key={name} {...rowPeriod}>
                <td>
                  {label}
                  {list && <span className="bar" aria-hidden="true"
                                 style={{ width: `${(Math.abs(Number(value ?? 0)) / max) * 100}%` }} />}
                </td>
                {isPerformers && <td className="num">{String(r.deals_won ?? '')}</td>}
                <td className="num">
                  <span data-metric={'period' in r ? metric : undefined} {...entry}
                        data-value={value === null ? '' : String(value)}>
                    {formatValue(value, isPerformers ? 'money' : unit, ctx)}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
