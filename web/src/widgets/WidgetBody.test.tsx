import { fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ReactNode } from 'react';
import type { Widget } from '../api/dashboards';
import { TenantContext, type Tenant } from '../api/tenant';
import { WidgetBody } from './WidgetBody';

const kBerlin: Tenant = { organization_id: 'beta-inc', name: 'Beta', timezone: 'Europe/Berlin', currency: 'EUR', locale: 'de-DE' };

function widget(over: Partial<Widget>): Widget {
  return {
    widget_id: 'w1', dashboard_id: 'default', organization_id: 'beta-inc', widget_type: 'metric', title: 'Revenue',
    data_source: 'finance', query_params: { metric: 'total_revenue' }, refresh_interval: 60, chart_type: '',
    grid: { x: 0, y: 0, w: 3, h: 2 }, created_at: null, updated_at: null, version: 1, position: 9,
    as_of: '2026-12-04T05:00:00Z', cached_data: null, cache_expires: null, ...over,
  };
}

function inTenant(node: ReactNode, tenant: Tenant = kBerlin) {
  return render(<TenantContext.Provider value={tenant}>{node}</TenantContext.Provider>);
}

describe('WidgetBody', () => {
  it('a metric shows the tenant’s currency in the reader’s locale, with the exact value as data-value', () => {
    const { container } = inTenant(<WidgetBody widget={widget({ cached_data: { period: '2026-12', value: 1234567.5 } })} />);
    const n = container.querySelector('[data-metric="finance.total_revenue"]')!;
    expect(n.getAttribute('data-value')).toBe('1234567.5');
    expect(n.textContent!.replace(/\s/g, ' ')).toBe('1.234.567,50 €');
    expect(container.querySelector('[data-period="2026-12"]')).not.toBeNull();
  });

  it('a missing value is a dash, not a zero', () => {
    const { container } = inTenant(<WidgetBody widget={widget({ cached_data: { period: '2026-12', value: null } })} />);
    const n = container.querySelector('[data-metric="finance.total_revenue"]')!;
    expect(n.getAttribute('data-value')).toBe('');
    expect(n.textContent).toBe('—');
  });

  it('a list names each entry with its own data-metric and value', () => {
    const w = widget({
      widget_type: 'list', data_source: 'hrm', title: 'By department',
      query_params: { metric: 'employees_by_department' },
      cached_data: { period: '2026-12', rows: [{ key: 'Engineering', value: 12 }, { key: 'Sales', value: 5 }] },
    });
    const { container } = inTenant(<WidgetBody widget={w} />);
    expect(screen.getByRole('table')).toBeTruthy();
    const eng = container.querySelector('[data-metric="hrm.employees_by_department.Engineering"]')!;
    expect(eng.getAttribute('data-value')).toBe('12');
    expect(container.querySelector('[data-metric="hrm.employees_by_department.Sales"]')!.textContent).toBe('5');
    expect(screen.getAllByRole('row')).toHaveLength(3);  // the head and two entries
  });

  it('a table of a series has a row per period', () => {
    const w = widget({
      widget_type: 'table', cached_data: { granularity: 'month', points: [
        { period: '2026-10', value: 10 }, { period: '2026-11', value: null }] },
    });
    const { container } = inTenant(<WidgetBody widget={w} />);
    const rows = container.querySelectorAll('tr[data-period]');
    expect([...rows].map((r) => r.getAttribute('data-period'))).toEqual(['2026-10', '2026-11']);
    expect(rows[1].querySelector('[data-value]')!.getAttribute('data-value')).toBe('');
  });

  it('says why a forbidden widget is empty, naming every domain a cross metric needs', () => {
    inTenant(<WidgetBody widget={widget({ forbidden: true, data_source: 'cross',
      query_params: { metric: 'revenue_per_employee' } })} />);
    expect(screen.getByText('Needs Finance and HRM; your roles do not include them all.')).toBeTruthy();
  });

  it('shows the server’s error, and an empty period as such', () => {
    const { unmount } = inTenant(<WidgetBody widget={widget({ error: 'metric gone' })} />);
    expect(screen.getByText('metric gone')).toBeTruthy();
    unmount();
    inTenant(<WidgetBody widget={widget({ cached_data: null })} />);
    expect(screen.getByText('No data for this period yet.')).toBeTruthy();
  });

  it('a chart gets a labelled drawing area named by its series', () => {
    const w = widget({ widget_type: 'chart', chart_type: 'bar', title: 'Revenue by month',
      cached_data: { granularity: 'month', points: [{ period: '2026-11', value: 1 }] } });
    const { container } = inTenant(<WidgetBody widget={w} />);
    const chart = container.querySelector('[data-series="finance.total_revenue"]')!;
    expect(chart.getAttribute('role')).toBe('img');
    expect(chart.getAttribute('aria-label')).toBe('Revenue by month, chart');
  });

  const byDepartment = (chart_type: Widget['chart_type'], rows: { key: string; value: number }[]) => widget({
    widget_type: 'chart', chart_type, data_source: 'hrm', title: 'Headcount by department',
    query_params: { metric: 'employees_by_department' }, cached_data: { period: '2026-12', rows },
  });

  it('a donut or pie has a legend of buttons, a slice each with its value as the tooltip writes it', () => {
    for (const type of ['donut', 'pie', ''] as const) {
      const { container, unmount } = inTenant(<WidgetBody widget={byDepartment(type,
        [{ key: 'Engineering', value: 1234.5 }, { key: 'Sales', value: 5 }])} />);
      const buttons = within(screen.getByRole('list', { name: 'Legend' })).getAllByRole('button');
      // employees_by_department counts: de-DE digits.
      expect(buttons.map((b) => b.textContent!.replace(/\s/g, ' '))).toEqual(['Engineering 1.235', 'Sales 5']);
      expect(buttons.map((b) => b.getAttribute('aria-pressed'))).toEqual(['true', 'true']);
      fireEvent.click(buttons[1]);
      expect(buttons.map((b) => b.getAttribute('aria-pressed'))).toEqual(['true', 'false']);
      // The chart keeps its hooks and its label.
      const chart = container.querySelector('[data-series="hrm.employees_by_department"]')!;
      expect(chart.getAttribute('role')).toBe('img');
      expect(chart.getAttribute('aria-label')).toBe('Headcount by department, chart');
      unmount();
    }
  });

  it('a breakdown drawn as bars, or of no rows, has no legend', () => {
    const { container, unmount } = inTenant(<WidgetBody widget={byDepartment('bar', [{ key: 'Sales', value: 5 }])} />);
    expect(container.querySelector('[data-series="hrm.employees_by_department"]')).not.toBeNull();
    expect(screen.queryByRole('list')).toBeNull();
    unmount();
    const empty = inTenant(<WidgetBody widget={byDepartment('donut', [])} />);
    expect(empty.container.querySelector('[data-series="hrm.employees_by_department"]')).not.toBeNull();
    expect(screen.queryByRole('list')).toBeNull();
    expect(screen.queryAllByRole('button')).toEqual([]);
  });
  it('a dashboard donut’s legend carries each entry’s data-metric and raw value, once', () => {
    const { container } = inTenant(<WidgetBody widget={byDepartment('donut',
      [{ key: 'Engineering', value: 1234.5 }, { key: 'Sales', value: 5 }])} />);
    const eng = container.querySelectorAll('[data-metric="hrm.employees_by_department.Engineering"]');
    expect(eng).toHaveLength(1);
    expect(eng[0].getAttribute('data-value')).toBe('1234.5');
    expect(container.querySelector('[data-metric="hrm.employees_by_department.Sales"]')!.getAttribute('data-value')).toBe('5');
  });

  it('a line chart’s values are also in a visually hidden table, a labelled row per period from its first data', () => {
    const w = widget({ widget_type: 'chart', chart_type: 'line', title: 'Revenue by month',
      cached_data: { granularity: 'month', points: [
        { period: '2026-09', value: 0 }, { period: '2026-10', value: 10 }, { period: '2026-11', value: 1234.5 }] } });
    const { container } = inTenant(<WidgetBody widget={w} />);
    const hidden = container.querySelector('.visually-hidden')!;
    expect(hidden).not.toBeNull();
    const table = within(hidden as HTMLElement).getByRole('table', { name: 'Revenue by month, values' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Period', 'Value']);
    const rows = [...table.querySelectorAll('tr[data-period]')];
    // September, before the tenant's data, is a gap in the chart and not a row here.
    expect(rows.map((r) => r.getAttribute('data-period'))).toEqual(['2026-10', '2026-11']);
    expect(rows.map((r) => r.querySelector('td')!.textContent)).toEqual(['Oktober 2026', 'November 2026']);
    const last = rows[1].querySelector('[data-metric="finance.total_revenue"]')!;
    expect(last.getAttribute('data-value')).toBe('1234.5');
    expect(last.textContent!.replace(/\s/g, ' ')).toBe('1.234,50 €');
  });

  it('a breakdown drawn as bars has its entries in a visually hidden table, each data-metric once', () => {
    const { container } = inTenant(<WidgetBody widget={byDepartment('bar',
      [{ key: 'Engineering', value: 12 }, { key: 'Sales', value: 5 }])} />);
    const hidden = container.querySelector('.visually-hidden') as HTMLElement;
    expect(within(hidden).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Department', 'Employees']);
    const sales = container.querySelectorAll('[data-metric="hrm.employees_by_department.Sales"]');
    expect(sales).toHaveLength(1);
    expect(sales[0].getAttribute('data-value')).toBe('5');
    expect(hidden.contains(sales[0])).toBe(true);
  });

  // The server lists a map's keys alphabetically, as they are stored.
  const stages = (widget_type: Widget['widget_type'], chart_type: Widget['chart_type'] = '') => widget({
    widget_type, chart_type, data_source: 'crm', title: 'Pipeline by stage', query_params: { metric: 'pipeline_stages' },
    cached_data: { period: '2026-12', rows: ['closed_won', 'negotiation', 'proposal', 'prospecting', 'qualification']
      .map((key, i) => ({ key, value: i + 1 })) },
  });
  const kStagesShown = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation', 'Closed won'];
  const kStageKeys = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won'];

  it('a breakdown’s table names its keys for people, in the pipeline’s order, under heads that say what they are', () => {
    const { container } = inTenant(<WidgetBody widget={stages('table')} />);
    const table = screen.getByRole('table');
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Stage', 'Open opportunities']);
    const rows = [...table.querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.querySelector('td')!.textContent)).toEqual(kStagesShown);
    // The hooks keep the raw keys and values.
    const hooks = [...container.querySelectorAll('[data-metric^="crm.pipeline_stages."]')];
    expect(hooks.map((h) => h.getAttribute('data-metric'))).toEqual(kStageKeys.map((k) => `crm.pipeline_stages.${k}`));
    expect(hooks.map((h) => h.getAttribute('data-value'))).toEqual(['4', '5', '3', '2', '1']);
  });

  it('a donut’s legend and a bar chart’s hidden table name the stages the same way, in the same order', () => {
    const donut = inTenant(<WidgetBody widget={stages('chart', 'donut')} />);
    const buttons = within(screen.getByRole('list', { name: 'Legend' })).getAllByRole('button');
    expect(buttons.map((b) => b.textContent!.replace(/ \d+$/, ''))).toEqual(kStagesShown);
    expect([...donut.container.querySelectorAll('.chart-legend [data-metric]')].map((h) => h.getAttribute('data-metric')))
      .toEqual(kStageKeys.map((k) => `crm.pipeline_stages.${k}`));
    donut.unmount();
    const bars = inTenant(<WidgetBody widget={stages('chart', 'bar')} />);
    const hidden = bars.container.querySelector('.visually-hidden') as HTMLElement;
    expect([...hidden.querySelectorAll('tbody tr')].map((r) => r.querySelector('td')!.textContent)).toEqual(kStagesShown);
  });

  it('a table or chart of an empty series says so instead of failing', () => {
    const table = inTenant(<WidgetBody widget={widget({ widget_type: 'table',
      cached_data: { granularity: 'month', points: [] } })} />);
    expect(screen.getByText('No data for these periods yet.')).toBeTruthy();
    expect(table.container.querySelector('table')).toBeNull();
    table.unmount();
    const chart = inTenant(<WidgetBody widget={widget({ widget_type: 'chart', chart_type: 'line',
      cached_data: { granularity: 'month', points: [] } })} />);
    expect(chart.container.querySelector('[data-series="finance.total_revenue"]')).not.toBeNull();
    expect(chart.container.querySelector('table')).toBeNull();
  });
});
