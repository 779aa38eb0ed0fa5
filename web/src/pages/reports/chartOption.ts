// The ECharts option of a report's chart section (several series over shared categories).
import type { EChartsCoreOption } from 'echarts/core';
import type { ChartSection } from '../../api/reports';
import { categoryXAxis, valueYAxis, type Palette } from '../../charts/chartOptions';
import type { Unit } from '../../format/number';

/** The categories of every series, in first-seen order (the monthly trends share them). */
export function chartCategories(section: Pick<ChartSection, 'series'>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of section.series) {
    for (const p of s.points) {
      if (!seen.has(p.x)) {
        seen.add(p.x);
        out.push(p.x);
      }
    }
  }
  return out;
}

export function reportChartOption(section: ChartSection, format: (v: number, compact: boolean) => string,
                                  p: Palette): EChartsCoreOption {
  const xs = chartCategories(section);
  const many = section.series.length > 1;
  return {
    animation: false,
    color: p.series,
    grid: { left: 8, right: 12, top: 16, bottom: many ? 36 : 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: unknown) => (typeof v === 'number' ? format(v, false) : '—'),
    },
    // A key, not a control: ECharts' legend is SVG, out of the keyboard's reach, so its items do
    // not toggle series and it does not page; the report's table has every number.
    legend: many
      ? { type: 'plain', selectedMode: false, bottom: 0, textStyle: { color: p.text }, itemWidth: 12, itemHeight: 8 }
      : undefined,
    xAxis: categoryXAxis(xs, p),
    yAxis: valueYAxis(p, (v: number) => format(v, true)),
    series: section.series.map((s) => {
      const byX = new Map(s.points.map((pt) => [pt.x, pt.y]));
      return {
        name: s.name,
        type: section.chart,
        data: xs.map((x) => byX.get(x) ?? null),
        showSymbol: xs.length <= 14,
        barMaxWidth: 24,
        itemStyle: section.chart === 'bar' ? { borderRadius: [3, 3, 0, 0] } : undefined,
      };
    }),
  };
}

const kMoneyWords = /\b(value|revenue|profit|payroll|cash|inflows?|outflows?|expenses?|receivables?|assets|liabilities|equity|cost|cogs|gross|net|amount|sales)\b/i;
const kHourWords = /\bhours?\b/i;

/**
 * The unit of a chart's values, which a chart section does not state: a KPI of the same name
 * says it; else the series names (money words, hours); else a plain number. One unit for the
 * whole chart, so only when every series agrees.
 */
export function chartUnit(section: Pick<ChartSection, 'series'>, kpis: { label: string; unit: string }[],
                          currency: string): Unit {
  const unitOf = (name: string): Unit => {
    const k = kpis.find((x) => x.label.trim().toLowerCase() === name.trim().toLowerCase());
    if (k) {
      const u = k.unit.trim();
      if (u === '') return 'count';
      if (u === '%') return 'number';
      if (u.toUpperCase() === currency.toUpperCase() || /^[A-Z]{3}$/.test(u)) return 'money';
    }
    if (kHourWords.test(name)) return 'hours';
    if (kMoneyWords.test(name)) return 'money';
    return 'number';
  };
  const units = new Set(section.series.map((s) => unitOf(s.name)));
  return units.size === 1 ? [...units][0] : 'number';
}
