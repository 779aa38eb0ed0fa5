import { describe, expect, it } from 'vitest';
import { chartInFirstScreen } from './dashboardLayout';

const w = (widget_type: string, y: number, forbidden = false) =>
  ({ widget_type, grid: { x: 0, y, w: 6, h: 4 }, forbidden }) as never;

describe('chartInFirstScreen', () => {
  it('a chart in the first rows of a wide window is', () => {
    expect(chartInFirstScreen({ widgets: [w('metric', 0), w('chart', 2)] }, 1440, 900)).toBe(true);
  });
  it('a chart below the window, a forbidden one, or any on a phone is not', () => {
    expect(chartInFirstScreen({ widgets: [w('metric', 0), w('chart', 12)] }, 1440, 900)).toBe(false);
    expect(chartInFirstScreen({ widgets: [w('chart', 0, true)] }, 1440, 900)).toBe(false);
    expect(chartInFirstScreen({ widgets: [w('chart', 0)] }, 390, 844)).toBe(false);
  });
});
