import { describe, expect, it } from 'vitest';
import {
  blankBefore, breakdownOption, breakdownSlices, firstDataIndex, isPie, lastIsPartial, seriesOption, sliceColors, type Palette,
} from './chartOptions';

const palette: Palette = { series: ['#111'], text: '#222', grid: '#333', surface: '#fff' };
const usd = { locale: 'en-US', currency: 'USD' };
const months = (values: (number | null)[]) => values.map((value, i) => ({ period: `2026-${String(i + 1).padStart(2, '0')}`, value }));

describe('periods before a tenant’s data', () => {
  it('start at the first value that is neither 0 nor null', () => {
    expect(firstDataIndex(months([0, 0, null, 0, 5, 0, 7]))).toBe(4);
    expect(firstDataIndex(months([3, 0, 1]))).toBe(0);
    expect(firstDataIndex(months([-2, 0]))).toBe(0);
    expect(firstDataIndex(months([0, null, 0]))).toBe(-1);
    expect(firstDataIndex([])).toBe(-1);
  });

  it('are gaps (null), not zeros; a 0 after the start stays a 0', () => {
    const points = months([0, 0, 0, 120, 0, 80]);
    expect(blankBefore(points, firstDataIndex(points)).map((p) => p.value)).toEqual([null, null, null, 120, 0, 80]);
    // The periods stay: the axis still spans the whole range asked for.
    expect(blankBefore(points, 3).map((p) => p.period)).toEqual(points.map((p) => p.period));
    // Several series share the start of the earliest one.
    expect(blankBefore(months([0, 0, 0, 0]), 2).map((p) => p.value)).toEqual([null, null, 0, 0]);
    // No data at all: left as the API said.
    expect(blankBefore(months([0, 0]), -1).map((p) => p.value)).toEqual([0, 0]);
  });

  it('reach the chart as null data, which ECharts draws as a gap', () => {
    const points = months([0, 0, 40, 50]);
    const option = seriesOption(blankBefore(points, firstDataIndex(points)), 'line', 'money', usd, palette) as {
      series: { data: (number | null)[] }[]; yAxis: { axisLabel: { formatter: (v: number) => string } };
    };
    expect(option.series[0].data).toEqual([null, null, 40, 50]);
    // Axis labels are compact alike, small ones too.
    expect([0, 250_000, 500_000].map(option.yAxis.axisLabel.formatter)).toEqual(['$0', '$250K', '$500K']);
  });
});

describe('the period under way', () => {
  it('is the last point only when it is the current period', () => {
    const points = months([10, 20, 3]);
    const last = points[points.length - 1].period;
    expect(lastIsPartial(points, last)).toBe(true);
    expect(lastIsPartial(points, points[0].period)).toBe(false);
    expect(lastIsPartial(points, null)).toBe(false);
    expect(lastIsPartial([], last)).toBe(false);
  });

  it('is drawn fainter and labelled "to date"; the other points and a series without it are plain', () => {
    const points = months([10, 20, 3]);
    type Item = number | null | { value: number; itemStyle: { opacity: number }; label: { show: boolean; formatter: string } };
    const partial = seriesOption(points, 'bar', 'money', usd, palette, 'Revenue', true) as { series: { data: Item[] }[] };
    expect(partial.series[0].data.slice(0, 2)).toEqual([10, 20]);
    const item = partial.series[0].data[2] as Exclude<Item, number | null>;
    expect(item.value).toBe(3);
    expect(item.itemStyle.opacity).toBeLessThan(1);
    expect(item.label).toMatchObject({ show: true, formatter: 'to date' });
    const whole = seriesOption(points, 'bar', 'money', usd, palette, 'Revenue') as { series: { data: Item[] }[] };
    expect(whole.series[0].data).toEqual([10, 20, 3]);
  });
});

describe('a breakdown', () => {
  const slices = [{ name: 'Web', value: 5 }, { name: 'Mail', value: 3 }, { name: 'Phone', value: 1 }];

  it('as a pie keeps ECharts’ legend, which hides and shows slices, but hidden (the legend is HTML)', () => {
    for (const kind of ['pie', 'donut'] as const) {
      const option = breakdownOption(slices, kind, 'count', usd, palette) as {
        legend: Record<string, unknown>; series: { type: string; data: unknown }[];
      };
      expect(option.legend).toEqual({ show: false });
      expect(option.legend.type).toBeUndefined();
      expect(option.series[0].type).toBe('pie');
      expect(option.series[0].data).toEqual(slices);
    }
  });

  it('as bars or lines is a series chart, with no legend', () => {
    for (const kind of ['bar', 'line'] as const) {
      const option = breakdownOption(slices, kind, 'count', usd, palette) as { legend?: unknown; series: { type: string }[] };
      expect(option.legend).toBeUndefined();
      expect(option.series[0].type).toBe(kind);
      expect(isPie(kind)).toBe(false);
    }
    expect(isPie('pie') && isPie('donut')).toBe(true);
  });

  it('colours its slices with the palette in turn, as ECharts does (by name, first seen first)', () => {
    const p = { series: ['#a00', '#0a0'] };
    expect(sliceColors(slices, p)).toEqual(['#a00', '#0a0', '#a00']);
    expect(sliceColors([{ name: 'A', value: 1 }, { name: 'B', value: 1 }, { name: 'A', value: 2 }, { name: 'C', value: 1 }],
      { series: ['#1', '#2', '#3'] })).toEqual(['#1', '#2', '#1', '#3']);
    expect(sliceColors([], p)).toEqual([]);
  });

});

describe('a chart’s x-axis', () => {
  type Axis = { xAxis: { data: string[]; axisLabel: { formatter?: (v: string, i: number) => string } } };
  const axisText = (o: Axis) => o.xAxis.data.map((v, i) => o.xAxis.axisLabel.formatter?.(v, i) ?? v);

  it('names periods by their short form, the year once when they share it, and the tooltip by the full name', () => {
    const option = seriesOption(months([1, 2, 3]), 'line', 'money', usd, palette) as Axis;
    expect(axisText(option)).toEqual(['Jan 2026', 'Feb', 'Mar']);
    expect(option.xAxis.data).toEqual(['January 2026', 'February 2026', 'March 2026']);
    const quarters = seriesOption([{ period: '2025-Q4', value: 1 }, { period: '2026-Q1', value: 2 }], 'bar', 'money',
      usd, palette) as Axis;
    expect(axisText(quarters)).toEqual(['Q4 2025', 'Q1 2026']);
    const weeks = seriesOption([{ period: '2026-W03', value: 1 }], 'bar', 'count', usd, palette) as Axis;
    expect(axisText(weeks)).toEqual(['W3 2026']);
  });

  it('shows other categories (a breakdown’s bars) as they are', () => {
    const option = breakdownOption([{ name: 'Prospecting', value: 2 }, { name: 'Proposal', value: 1 }], 'bar', 'count',
      usd, palette) as Axis;
    expect(axisText(option)).toEqual(['Prospecting', 'Proposal']);
  });
});

describe('a breakdown’s slices from a map', () => {
  it('are named for people, keep the raw key, and a pipeline’s stages come in its order', () => {
    const entries = ['negotiation', 'proposal', 'prospecting', 'qualification'].map((key, i) => ({ key, value: i + 1 }));
    expect(breakdownSlices('crm.pipeline_stages', entries)).toEqual([
      { name: 'Prospecting', value: 3, key: 'prospecting' },
      { name: 'Qualification', value: 4, key: 'qualification' },
      { name: 'Proposal', value: 2, key: 'proposal' },
      { name: 'Negotiation', value: 1, key: 'negotiation' },
    ]);
    expect(breakdownSlices('crm.activities_by_type', [{ key: 'closed_won', value: 1 }, { key: 'wh-east', value: 2 }]))
      .toEqual([{ name: 'Closed won', value: 1, key: 'closed_won' }, { name: 'wh-east', value: 2, key: 'wh-east' }]);
  });
});
