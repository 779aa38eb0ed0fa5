import { render, screen, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import type { ReactNode } from 'react';
import { seriesQuery } from '../api/analytics';
import { metricDef } from '../api/catalog';
import { TenantContext, type Tenant } from '../api/tenant';
import { currentPeriod, shiftPeriod } from '../format/period';
import { Breakdown, change, deltaOf, PreviousValue, Trend } from './DomainPage';

const kUtc: Tenant = { organization_id: 'acme-corp', name: 'Acme', timezone: 'UTC', currency: 'USD', locale: 'en-US' };
const usd = { locale: 'en-US', currency: 'USD' };

describe('changes against the previous period', () => {
  it('is relative for amounts and counts, measured from the size of the previous value', () => {
    expect(change(150, 100)).toBeCloseTo(0.5);
    expect(change(-50, -100)).toBeCloseTo(0.5); // a loss halved is an improvement
    expect(change(5, 0)).toBeNull();
    expect(change(null, 3)).toBeNull();
  });

  it('is in percentage points between two percentages', () => {
    expect(deltaOf('percent', 0.25, 0.2)).toEqual({ value: expect.closeTo(0.05), points: true });
    expect(deltaOf('money', 120, 100)).toEqual({ value: expect.closeTo(0.2), points: false });
    expect(deltaOf('percent', null, 0.2)).toBeNull();
  });
});

describe('the previous period’s number', () => {
  it('is the value once loaded, and … while it loads', () => {
    const { container, rerender } = render(<PreviousValue value={1234.5} unit="money" ctx={usd} state="loaded" />);
    expect(container.textContent).toBe('$1,234.50');
    rerender(<PreviousValue value={undefined} unit="money" ctx={usd} state="loading" />);
    expect(container.textContent).toBe('…');
  });

  it('is a dash that says why when its request failed, not a … that never ends', () => {
    const { container } = render(<table><tbody><tr><td>
      <PreviousValue value={undefined} unit="money" ctx={usd} state="failed" /></td></tr></tbody></table>);
    const cell = screen.getByRole('cell');
    expect(cell.textContent).not.toContain('…');
    expect(within(cell).getByText('—').getAttribute('aria-hidden')).toBe('true');
    expect(within(cell).getByText('the previous period could not be loaded').className).toBe('visually-hidden');
    expect(container.querySelector('[title="the previous period could not be loaded"]')).not.toBeNull();
    expect(container.querySelector('.spinner, [role="progressbar"]')).toBeNull();
  });
});

describe('a trend', () => {
  function trendWith(points: { period: string; value: number | null }[], dataStart: number) {
    const def = metricDef('finance', 'total_revenue')!;
    const to = points[points.length - 1].period;
    const query = seriesQuery('acme-corp', 'finance', def.key, 'month', points[0].period, to);
    const qc = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
    qc.setQueryData(query.queryKey, { points });
    const wrap = (node: ReactNode) => (
      <QueryClientProvider client={qc}><TenantContext.Provider value={kUtc}>{node}</TenantContext.Provider></QueryClientProvider>
    );
    return render(wrap(<Trend source="finance" def={def} granularity="month" query={query} ctx={usd} dataStart={dataStart} />));
  }

  it('has its values in a table too, Period | Value from where the data starts, the period under way “to date”', () => {
    const now = currentPeriod('month', 'UTC');
    const points = [-3, -2, -1, 0].map((i, n) => ({ period: shiftPeriod(now, i), value: [0, 100, null, 2500.5][n] }));
    const { container } = trendWith(points, 1);
    const details = container.querySelector('details.breakdown-table')!;
    expect(details.querySelector('summary')!.textContent).toBe('Show as a table');
    expect(details.getAttribute('data-trend')).toBe('finance.total_revenue');
    expect(details.getAttribute('data-granularity')).toBe('month');
    const table = within(details as HTMLElement).getByRole('table');
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Period', 'Value']);
    const rows = [...table.querySelectorAll('tbody tr')];
    // The first period, before the data starts, is a gap in the chart and not a row.
    expect(rows.map((r) => r.getAttribute('data-period'))).toEqual(points.slice(1).map((p) => p.period));
    const label = (p: string) => new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' })
      .format(new Date(`${p}-15T00:00:00Z`));
    expect(rows.map((r) => r.querySelector('td')!.textContent))
      .toEqual([label(points[1].period), label(points[2].period), `${label(now)} (to date)`]);
    const values = rows.map((r) => r.querySelector('[data-metric="finance.total_revenue"]')!);
    expect(values.map((v) => v.getAttribute('data-value'))).toEqual(['100', '', '2500.5']);
    expect(values.map((v) => v.textContent)).toEqual(['$100.00', '—', '$2,500.50']);
  });
});

describe('a breakdown', () => {
  it('names a map’s keys for people, a pipeline’s stages in its order, and heads its table with what they are', () => {
    const def = metricDef('crm', 'pipeline_stages')!;
    const body = { organization_id: 'acme-corp', period: '2026-11', pipeline_stages: { negotiation: 4, proposal: 9, prospecting: 2, qualification: 7 } };
    const { container } = render(<Breakdown def={def} source="crm" body={body} ctx={usd} />);
    const shown = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation'];
    const legend = within(screen.getByRole('list', { name: 'Legend' })).getAllByRole('button');
    expect(legend.map((b) => b.textContent!.replace(/ \d+$/, ''))).toEqual(shown);
    const table = within(container.querySelector('details.breakdown-table') as HTMLElement).getByRole('table');
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Stage', 'Open opportunities']);
    const rows = [...table.querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.querySelector('td')!.textContent)).toEqual(shown);
    // The hooks keep the raw keys and values.
    expect(rows.map((r) => r.querySelector('[data-metric]')!.getAttribute('data-metric')))
      .toEqual(['prospecting', 'qualification', 'proposal', 'negotiation'].map((k) => `crm.pipeline_stages.${k}`));
    expect(rows.map((r) => r.querySelector('[data-value]')!.getAttribute('data-value'))).toEqual(['2', '7', '9', '4']);
  });

  it('lists another map largest first, its keys humanised only when they are identifiers', () => {
    const def = metricDef('crm', 'activities_by_type')!;
    const body = { organization_id: 'acme-corp', period: '2026-11', activities_by_type: { call: 3, follow_up: 8, 'wh-east': 1 } };
    const { container } = render(<Breakdown def={def} source="crm" body={body} ctx={usd} />);
    const rows = [...container.querySelectorAll('details.breakdown-table tbody tr')];
    expect(rows.map((r) => r.querySelector('td')!.textContent)).toEqual(['Follow up', 'Call', 'wh-east']);
    expect(container.querySelector('[data-metric="crm.activities_by_type.follow_up"]')!.getAttribute('data-value')).toBe('8');
  });
});
