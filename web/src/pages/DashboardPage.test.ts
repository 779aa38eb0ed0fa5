import { describe, expect, it } from 'vitest';
import { changedPositions, pollInterval } from './DashboardPage';
import type { Widget } from '../api/dashboards';

describe('pollInterval', () => {
  const w = (refresh_interval: number) => ({ refresh_interval });
  it('does not poll while live updates arrive, or while the socket is still connecting', () => {
    expect(pollInterval([w(30)], 'live')).toBeNull();
    expect(pollInterval([w(30)], 'connecting')).toBeNull();
  });
  it('polls at the shortest refresh interval of the widgets while live updates are down', () => {
    expect(pollInterval([w(300), w(30), w(60)], 'reconnecting')).toBe(30_000);
    expect(pollInterval([w(120)], 'offline')).toBe(120_000);
  });
  it('never more often than every 5 s, and a widget without an interval counts as 60 s', () => {
    expect(pollInterval([w(1)], 'offline')).toBe(5_000);
    expect(pollInterval([w(0)], 'offline')).toBe(60_000);
    expect(pollInterval([], 'offline')).toBeNull();
  });
});

describe('changedPositions', () => {
  it('lists only the widgets whose place or size changed', () => {
    const widgets = [
      { widget_id: 'a', grid: { x: 0, y: 0, w: 3, h: 2 } },
      { widget_id: 'b', grid: { x: 3, y: 0, w: 3, h: 2 } },
    ] as Widget[];
    expect(changedPositions(widgets, [
      { i: 'a', x: 0, y: 0, w: 3, h: 2 }, { i: 'b', x: 6, y: 0, w: 3, h: 3 }, { i: 'gone', x: 0, y: 9, w: 1, h: 1 },
    ])).toEqual([{ widget_id: 'b', x: 6, y: 0, w: 3, h: 3 }]);
  });
});
