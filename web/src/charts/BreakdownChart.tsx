// A pie (or donut) of a breakdown with its legend under it, in HTML: a button per slice, which
// hides or shows that slice. ECharts' own legend is drawn in SVG, where neither its items nor its
// scroll arrows can be reached with the keyboard; these are buttons, in the tab order, pressed
// with Enter or Space. The slices' names and values are also the chart's data as text, for a
// screen reader (the chart itself stays an image with its label).
//
// A slice is hidden through ECharts: breakdownOption keeps ECharts' legend component, hidden
// (show: false), and a button dispatches its legendToggleSelect action, which a hidden legend
// still handles (echarts/lib/component/legend/legendAction.js; the pie's dataFilter processor
// drops the slices it does not select), so the pie is not rebuilt and keeps its colours.
import { useCallback, useRef, useState } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import { Chart, type ChartActions } from './Chart';
import { sliceColors, type Palette, type Slice } from './chartOptions';
import { formatValue, type NumberContext, type Unit } from '../format/number';

/** The legend's list: a button per slice, in the chart's order, pressed (aria-pressed) while
 *  the slice is shown. Nothing for no slices. A slice is named as shown (its humanised key);
 *  its value carries the testing hooks of a map entry (web.md "Testing hooks"): data-metric
 *  `<series>.<key>` (`series` is the chart's `<domain>.<metric>`, `key` the raw map key) and
 *  data-value, the raw value. */
export function ChartLegend({ slices, colors, unit, ctx, series, hidden, onToggle }: {
  slices: readonly Slice[]; colors: readonly string[]; unit: Unit; ctx: NumberContext; series: string;
  hidden: ReadonlySet<string>; onToggle: (name: string) => void;
}) {
  if (slices.length === 0) return null;
  return (
    <ul className="chart-legend" aria-label="Legend">
      {slices.map((s, i) => {
        const shown = !hidden.has(s.name);
        return (
          <li key={`${i}:${s.name}`}>
            <button type="button" aria-pressed={shown} onClick={() => onToggle(s.name)}>
              <span className="chart-legend-swatch" aria-hidden="true" style={{ color: colors[i] }} />
              <span className="chart-legend-text">
                {s.name} <span className="chart-legend-value" data-metric={`${series}.${s.key ?? s.name}`}
                                  data-value={String(s.value)}>{formatValue(s.value, unit, ctx)}</span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/**
 * `option` is breakdownOption's pie of `slices` in `palette`, with `unit` and `ctx` (the legend's
 * values read as the tooltip's). `height` is the whole box's, chart and legend: the chart takes
 * what the legend leaves, and the legend, if long, scrolls.
 */
export function BreakdownChart({ option, slices, unit, ctx, palette, series, label, height = '100%' }: {
  option: EChartsCoreOption; slices: readonly Slice[]; unit: Unit; ctx: NumberContext;
  palette: Pick<Palette, 'series'>; series: string; label: string; height?: string | number;
}) {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  const chart = useRef<ChartActions | null>(null);
  const hiddenNow = useRef(hidden);
  hiddenNow.current = hidden;

  // A chart just made, or given a new option (new data: it starts with every slice shown),
  // hides again the slices hidden here, so the legend and the pie agree. Until the chart is
  // made (ECharts loads when it comes into view), the buttons only keep the state.
  const onDrawn = useCallback((c: ChartActions | null) => {
    chart.current = c;
    for (const name of hiddenNow.current) c?.dispatchAction({ type: 'legendUnSelect', name });
  }, []);

  const toggle = (name: string) => {
    const next = new Set(hidden);
    if (!next.delete(name)) next.add(name);
    setHidden(next);
    chart.current?.dispatchAction({ type: 'legendToggleSelect', name });
  };

  return (
    <div className="breakdown" style={{ height }}>
      <Chart option={option} series={series} label={label} onDrawn={onDrawn} />
      <ChartLegend slices={slices} colors={sliceColors(slices, palette)} unit={unit} ctx={ctx}
                   series={series} hidden={hidden} onToggle={toggle} />
    </div>
  );
}
