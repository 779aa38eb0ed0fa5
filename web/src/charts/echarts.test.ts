// @vitest-environment node
// The app's ECharts (echarts.ts) drawing breakdownOption's pie to an SVG string, without a DOM
// (jsdom has no canvas, which ECharts would ask for).
import { describe, expect, it } from 'vitest';
import { breakdownOption, type Palette } from './chartOptions';
import { echarts } from './echarts';

const usd = { locale: 'en-US', currency: 'USD' };
const palette: Palette = { series: ['#aa0000', '#00aa00', '#0000aa'], text: '#222', grid: '#333', surface: '#fff' };
const slices = [{ name: 'Web', value: 5 }, { name: 'Mail', value: 3 }, { name: 'Phone', value: 1 }];

describe('a pie in ECharts', () => {
  it('has its slices hidden and shown again by its hidden legend’s legendToggleSelect', () => {
    const chart = echarts.init(null, undefined, { renderer: 'svg', ssr: true, width: 240, height: 240 });
    try {
      chart.setOption(breakdownOption(slices, 'donut', 'count', usd, palette));
      const drawn = () => palette.series.filter((c) => chart.renderToSVGString().includes(c));
      expect(drawn()).toEqual(['#aa0000', '#00aa00', '#0000aa']);
      chart.dispatchAction({ type: 'legendToggleSelect', name: 'Mail' });
      // The other slices keep their colours.
      expect(drawn()).toEqual(['#aa0000', '#0000aa']);
      chart.dispatchAction({ type: 'legendToggleSelect', name: 'Mail' });
      expect(drawn()).toEqual(['#aa0000', '#00aa00', '#0000aa']);
      // The legend itself draws nothing: no text but the slices' (none, labels are off).
      expect(chart.renderToSVGString()).not.toMatch(/<text/);
    } finally {
      chart.dispose();
    }
  });
});
