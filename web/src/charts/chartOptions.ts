// ECharts options from API data, as pure functions (tested in chartOptions.test.ts).
import type { EChartsCoreOption } from 'echarts/core';
import { formatValue, type NumberContext, type Unit } from '../format/number';
import { keyLabel, orderByKey } from '../format/keys';
import { axisPeriodLabels, granularityOf, periodLabel } from '../format/period';

export interface Palette { series: string[]; text: string; grid: string; surface: string }

/** The palette from the design tokens, so charts follow light and dark mode. */
export function paletteFromCss(el: Element = document.documentElement): Palette {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    series: [1, 2, 3, 4, 5, 6].map((i) => v(`--chart-${i}`, '#2156d9')),
    text: v('--text-2', '#475163'),
    grid: v('--border', '#e2e5ea'),
    surface: v('--surface', '#ffffff'),
  };
}

/**
 * The category x-axis and value y-axis every series chart of the app uses, in the palette.
 * Categories that are all periods (`2026-01`, `2026-W03`…) are named for people: each by its
 * full name (periodLabel: "January 2026", which the tooltip shows) and on the axis by its short
 * one ("Jan 2026", "Feb"…: axisPeriodLabels). Other categories are shown as they are.
 */
export function categoryXAxis(data: string[], p: Palette, locale?: string) {
  const periods = data.length > 0 && data.every((d) => granularityOf(d) !== null);
  const short = periods ? axisPeriodLabels(data, locale) : null;
  return {
    type: 'category',
    data: short ? data.map((d) => periodLabel(d, locale)) : data,
    axisLine: { lineStyle: { color: p.grid } },
    axisLabel: short
      ? { color: p.text, hideOverlap: true, formatter: (_: string, i: number) => short[i] ?? '' }
      : { color: p.text, hideOverlap: true },
    axisTick: { show: false },
  };
}

export function valueYAxis(p: Palette, formatter: (v: number) => string) {
  return { type: 'value', splitLine: { lineStyle: { color: p.grid } }, axisLabel: { color: p.text, formatter } };
}

export interface SeriesPoint { period: string; value: number | null }

/**
 * Where a series' data starts: the index of its first point with a value other than null or 0,
 * or -1 when it has none. The API answers every period asked for, and one before the tenant's
 * first event is 0 for amounts and counts (null only for ratios): nothing tells "no data yet"
 * from "nothing happened" but that it comes before all the rest.
 */
export function firstDataIndex(points: readonly SeriesPoint[]): number {
  return points.findIndex((pt) => pt.value !== null && pt.value !== 0);
}

/**
 * The points with those before `start` made null, which the charts draw as a gap: a trend over
 * 12 months of a tenant with 3 months of data shows 9 empty months, not 9 months of $0.
 * `start` < 0 (no data at all) leaves the points as they are.
 */
export function blankBefore(points: readonly SeriesPoint[], start: number): SeriesPoint[] {
  if (start <= 0) return [...points];
  return points.map((pt, i) => (i < start ? { period: pt.period, value: null } : pt));
}

/**
 * Whether a series' last point is the period still under way (in the tenant's time zone): its
 * value is "to date", so a month a few days old is not a fall to near zero. `current` is
 * format/period.ts's currentPeriod for the points' granularity.
 */
export function lastIsPartial(points: readonly SeriesPoint[], current: string | null): boolean {
  return current !== null && points.length > 0 && points[points.length - 1].period === current;
}

/** `partialLast`: the last point is the period under way (lastIsPartial): drawn fainter and
 *  labelled "to date". */
export function seriesOption(points: SeriesPoint[], kind: 'line' | 'bar', unit: Unit,
                             ctx: NumberContext, p: Palette, name = '',
                             partialLast = false): EChartsCoreOption {
  const fmt = (v: number) => formatValue(v, unit, ctx, true);
  const last = points.length - 1;
  return {
    animation: false,
    color: p.series,
    grid: { left: 8, right: 12, top: 16, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: unknown) => (typeof v === 'number' ? formatValue(v, unit, ctx) : '—'),
    },
    xAxis: categoryXAxis(points.map((pt) => pt.period), p, ctx.locale),
    yAxis: valueYAxis(p, fmt),
    series: [{
      name,
      type: kind,
      data: points.map((pt, i) => (partialLast && i === last && pt.value !== null
        ? { value: pt.value, itemStyle: { opacity: 0.5 },
            label: { show: true, position: 'top', formatter: 'to date', color: p.text, opacity: 1, fontSize: 11,
                     fontWeight: 600 } }
        : pt.value)),
      smooth: kind === 'line' ? 0.2 : undefined,
      showSymbol: points.length <= 14,
      areaStyle: kind === 'line' ? { opacity: 0.08 } : undefined,
      barMaxWidth: 28,
      itemStyle: kind === 'bar' ? { borderRadius: [3, 3, 0, 0] } : undefined,
    }],
  };
}

/** A slice of a breakdown: `name` is what is shown (a map key humanised: format/keys.ts) and
 *  what ECharts knows it by; `key`, when given, the raw key its testing hooks carry. */
export interface Slice { name: string; value: number; key?: string }

export type BreakdownKind = 'pie' | 'donut' | 'bar' | 'line';

/** Whether a breakdown of this kind is drawn as a pie (a donut too): then with its legend of
 *  buttons under it (BreakdownChart.tsx); bars and lines are series charts, with no legend. */
export function isPie(kind: BreakdownKind): kind is 'pie' | 'donut' {
  return kind !== 'bar' && kind !== 'line';
}

/**
 * A breakdown's slices from its entries (a map metric's keys and values): each named by its key
 * for people (keyLabel: "closed_won" is "Closed won") and carrying the raw key for its hooks, in
 * the order of `metric`'s (`<domain>.<metric>`) keys where they have one (orderByKey: a
 * pipeline's stages), else in the order given.
 */
export function breakdownSlices(metric: string, entries: readonly { key: string; value: number }[]): Slice[] {
  return orderByKey(metric, entries, (e) => e.key).map((e) => ({ name: keyLabel(e.key), value: e.value, key: e.key }));
}

/**
 * The colour of each slice, as ECharts gives them: the palette's colours in turn, by the slice's
 * name in first-seen order (a name seen before gets its colour again; ECharts names a nameless
 * slice by its index), so that the legend's swatches match the pie.
 */
export function sliceColors(slices: readonly Slice[], p: Pick<Palette, 'series'>): string[] {
  const byName = new Map<string, string>();
  return slices.map((s, i) => {
    const key = s.name || String(i);
    let c = byName.get(key);
    if (c === undefined) {
      c = p.series[byName.size % p.series.length];
      byName.set(key, c);
    }
    return c;
  });
}

/** A pie's legend is BreakdownChart's, in HTML (ECharts' own is drawn in SVG, out of the
 *  keyboard's reach): ECharts' legend component stays, hidden, because it is what hides and
 *  shows a pie's slices (its legendToggleSelect action, which a hidden legend still handles). */
export function breakdownOption(slices: Slice[], kind: BreakdownKind, unit: Unit,
                                ctx: NumberContext, p: Palette): EChartsCoreOption {
  if (!isPie(kind)) {
    return seriesOption(slices.map((s) => ({ period: s.name, value: s.value })), kind, unit, ctx, p);
  }
  return {
    animation: false,
    color: p.series,
    tooltip: {
      trigger: 'item',
      valueFormatter: (v: unknown) => (typeof v === 'number' ? formatValue(v, unit, ctx) : '—'),
    },
    legend: { show: false },
    series: [{
      type: 'pie',
      radius: kind === 'donut' ? ['48%', '72%'] : [0, '72%'],
      center: ['50%', '50%'],
      data: slices.map((s) => ({ name: s.name, value: s.value })),
      label: { show: false },
      itemStyle: { borderColor: p.surface, borderWidth: 2 },
    }],
  };
}
