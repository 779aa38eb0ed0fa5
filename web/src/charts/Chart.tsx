// A chart of one series or one breakdown. The option is built by the pure functions in
// chartOptions.ts (unit-tested); this component only owns the ECharts instance.
import { useEffect, useRef, useState } from 'react';
import type { EChartsCoreOption } from 'echarts/core';

type ECharts = typeof import('./echarts')['echarts'];
let loading: Promise<ECharts> | null = null;
function loadECharts(): Promise<ECharts> {
  loading ??= import('./echarts').then((m) => m.echarts);
  return loading;
}

export function Chart({ option, series, label, height = '100%' }: {
  option: EChartsCoreOption; series: string; label: string; height?: string | number;
}) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<ECharts['init']> | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | null = null;
    loadECharts().then((echarts) => {
      if (disposed || !el.current) return;
      chart.current = echarts.init(el.current, undefined, { renderer: 'svg' });
      chart.current.setOption(option);
      // Re-lay out only when the box really changed (the first observation is the same size).
      let size = `${el.current.clientWidth}x${el.current.clientHeight}`;
      observer = new ResizeObserver(() => {
        const now = el.current ? `${el.current.clientWidth}x${el.current.clientHeight}` : size;
        if (now !== size) { size = now; chart.current?.resize(); }
      });
      observer.observe(el.current);
    }, () => setFailed(true));
    return () => {
      disposed = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  if (failed) return <p className="subtle">The chart could not be loaded. Reload the page to try again.</p>;
  return <div ref={el} className="chart" data-series={series} role="img" aria-label={label} style={{ height }} />;
}
