import { describe, expect, it } from 'vitest';
import type { Dashboard, Widget } from '../api/dashboards';
import { applyWidgetPush } from './useDashboardLive';

function widget(id: string, position = 10): Widget {
  return {
    widget_id: id, dashboard_id: 'u-ann', organization_id: 'acme-corp', widget_type: 'metric', title: id,
    data_source: 'finance', query_params: { metric: 'total_revenue' }, refresh_interval: 60, chart_type: '',
    grid: { x: 0, y: 0, w: 3, h: 2 }, created_at: null, updated_at: null, version: 1, position,
    as_of: '2026-12-04T05:00:00Z', cached_data: { period: '2026-12', value: 1 }, cache_expires: null,
  };
}

const dashboard: Dashboard = {
  dashboard_id: 'u-ann', organization_id: 'acme-corp', name: 'Mine', owner: 'ann',
  shared_with: { users: [], roles: [] }, version: 3, position: 10, as_of: '2026-12-04T05:00:00Z',
  widgets: [widget('executive-1'), widget('executive-2')],
};

describe('a live widget push', () => {
  it('that says deleted removes the widget from the dashboard it names', () => {
    const after = applyWidgetPush(dashboard, { type: 'widget', widget_id: 'executive-1', dashboard_id: 'u-ann',
      position: 12, deleted: true });
    expect(after!.widgets.map((w) => w.widget_id)).toEqual(['executive-2']);
    expect(dashboard.widgets).toHaveLength(2);  // the cached object is not changed in place
  });

  it('that says deleted for another dashboard, or for none, changes nothing', () => {
    // A user's own copy keeps the ids of the default it was copied from.
    expect(applyWidgetPush(dashboard, { type: 'widget', widget_id: 'executive-1', dashboard_id: 'default',
      position: 12, deleted: true })).toBe(dashboard);
    expect(applyWidgetPush(dashboard, { type: 'widget', widget_id: 'executive-1', position: 12, deleted: true }))
      .toBe(dashboard);
    expect(applyWidgetPush(dashboard, { type: 'widget', widget_id: 'nope', dashboard_id: 'u-ann', deleted: true }))
      .toBe(dashboard);
  });

  it('that says deleted but is older than the widget held keeps it', () => {
    expect(applyWidgetPush(dashboard, { type: 'widget', widget_id: 'executive-1', dashboard_id: 'u-ann',
      position: 9, deleted: true })).toBe(dashboard);
  });

  it('with data writes it into its widget, unless it is older or for another dashboard', () => {
    const data = { period: '2026-12', value: 42 };
    const after = applyWidgetPush(dashboard, { type: 'widget', widget_id: 'executive-2', dashboard_id: 'u-ann',
      position: 11, cached_data: data, as_of: '2026-12-04T06:00:00Z' })!;
    expect(after.widgets[1]).toMatchObject({ cached_data: data, position: 11, as_of: '2026-12-04T06:00:00Z' });
    expect(after.widgets[0]).toBe(dashboard.widgets[0]);
    expect(applyWidgetPush(dashboard, { type: 'widget', widget_id: 'executive-2', dashboard_id: 'u-ann',
      position: 5, cached_data: data })!.widgets[1]).toBe(dashboard.widgets[1]);
    expect(applyWidgetPush(dashboard, { type: 'widget', widget_id: 'executive-2', dashboard_id: 'default',
      position: 11, cached_data: data })).toBe(dashboard);
  });

  it('before the dashboard has loaded changes nothing', () => {
    expect(applyWidgetPush(undefined, { type: 'widget', widget_id: 'executive-1', dashboard_id: 'u-ann', deleted: true }))
      .toBeUndefined();
  });
});
