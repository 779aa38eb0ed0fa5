// A chart of one series or one breakdown. The option is built by the pure functions in
// chartOptions.ts (unit-tested); this component only owns the ECharts instance, made when the
// chart comes into view: charts below the fold cost nothing on the first screen (on a phone
// most are, and loading ECharts and making its first chart costs a phone's CPU some 400 ms),
// and ECharts itself loads with the first chart that is seen. Its box keeps its height
// meanwhile, so nothing moves when it is drawn.
import { useEffect, useRef, useState } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import { inOwnTask } from '../tasks';

type ECharts = typeof import('./echarts')['echarts'];
let loading: Promise<ECharts> | null = null;
function loadECharts(): Promise<ECharts> {
  loading ??= import('./echarts').then((m) => m.echarts);
  return loading;
}

// Each chart is made in a task of its own (tasks.ts), one after another: made together in the
// task that loaded ECharts, a dozen of them block the main thread for one long stretch (on a
// phone's CPU, hundreds of milliseconds during which a tap waits); apart, input is handled
// between two.

/** What a caller may do with a drawn chart (ECharts' instance is one): BreakdownChart hides and
 *  shows slices through it. */
export interface ChartActions { dispatchAction(action: { type: string; name?: string }): void }

/** `onDrawn` is called with the chart each time an option has been set on it (when it is made,
 *  and after each change of `option`, which starts it afresh: notMerge), and with null when it
 *  is disposed. */
export function Chart({ option, series, label, height = '100%', onDrawn }: {
  option: EChartsCoreOption; series: string; label: string; height?: string | number;
  onDrawn?: (chart: ChartActions | null) => void;
}) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<ECharts['init']> | null>(null);
  const [failed, setFailed] = useState(false);
  const [near, setNear] = useState(false);
  const latest = useRef(option);
  latest.current = option;
  const drawn = useRef(onDrawn);
  drawn.current = onDrawn;

  useEffect(() => {
    const node = el.current;
    if (!node || near) return;
    if (typeof IntersectionObserver === 'undefined') return setNear(true);
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) { setNear(true); io.disconnect(); }
    });
    io.observe(node);
    return () => io.disconnect();
  }, [near]);

  useEffect(() => {
    if (!near) return;
    let disposed = false;
    let observer: ResizeObserver | null = null;
    loadECharts().then((echarts) => inOwnTask(() => {
      if (disposed || !el.current) return;
      chart.current = echarts.init(el.current, undefined, { renderer: 'svg' });
      chart.current.setOption(latest.current);
      drawn.current?.(chart.current);
      // Re-lay out only when the box really changed (the first observation is the same size).
      let size = `${el.current.clientWidth}x${el.current.clientHeight}`;
      observer = new ResizeObserver(() => {
        const now = el.current ? `${el.current.clientWidth}x${el.current.clientHeight}` : size;
        if (now !== size) { size = now; chart.current?.resize(); }
      });
      observer.observe(el.current);
    }), () => setFailed(true));
    return () => {
      disposed = true;
      observer?.disconnect();
      if (chart.current) drawn.current?.(null);
      chart.current?.dispose();
      chart.current = null;
    };
  }, [near]);

  useEffect(() => {
    if (!chart.current) return;
    chart.current.setOption(option, { notMerge: true });
    drawn.current?.(chart.current);
  }, [option]);

  if (failed) return <p className="subtle">The chart could not be loaded. Reload the page to try again.</p>;
  return <div ref={el} className="chart" data-series={series} role="img" aria-label={label} style={{ height }} />;
}
