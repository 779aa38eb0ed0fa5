import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { ReportDocument } from '../../api/reports';
import { ReportPreview } from './ReportPreview';

afterEach(cleanup);

const doc: ReportDocument = {
  organization_id: 'acme-corp', title: 'Profit and loss', report: 'financial', type: 'pnl', period: '2024-03',
  parameters: { compare: 'prev' }, generated_at: '2024-04-01T08:00:00Z', position: 42, currency: 'EUR',
  sections: [
    { id: 'kpis', title: 'Summary', kind: 'kpis', items: [
      { label: 'Net profit', value: 1234.5, unit: 'EUR' },
      { label: 'Net margin', value: 12.5, unit: '%' },
    ] },
    { id: 'accounts', title: 'Accounts', kind: 'table',
      columns: [{ id: 'account', label: 'Account', type: 'string' }, { id: 'amount', label: '2024-03', type: 'money' }],
      rows: Array.from({ length: 120 }, (_, i) => ({ account: `${4000 + i} Sales`, amount: i + 0.5 })),
      totals: { account: 'Total', amount: 7260 } },
  ],
};

describe('ReportPreview', () => {
  it('shows KPIs with their metric hooks and raw values', () => {
    const { container } = render(<ReportPreview doc={doc} org="acme-corp" timezone="UTC" ctx={{ locale: 'en-US', currency: 'USD' }} />);
    const profit = container.querySelector('[data-metric="finance.net_profit"]')!;
    expect(profit.getAttribute('data-value')).toBe('1234.5');
    expect(profit.textContent).toBe('€1,234.50');
    // A percentage is not the API's ratio: no data-metric, but the raw value.
    const margin = screen.getByText('12.5%');
    expect(margin.getAttribute('data-metric')).toBeNull();
    expect(margin.getAttribute('data-value')).toBe('12.5');
    const article = container.querySelector('article')!;
    expect(article.getAttribute('data-org')).toBe('acme-corp');
    expect(article.getAttribute('data-period')).toBe('2024-03');
    // Parameters in words, not the catalog's ids.
    const meta = container.querySelector('.report-meta')!;
    expect(meta.textContent).toContain('Compare with');
    expect(meta.textContent).toContain('The previous period');
    expect(meta.textContent).not.toMatch(/compareprev/);
  });

  it('shows a table with its totals, the first 100 rows, and a CSV button per table', () => {
    const onCsv = vi.fn();
    render(<ReportPreview doc={doc} org="acme-corp" timezone="UTC" ctx={{ locale: 'en-US', currency: 'USD' }} onCsv={onCsv} />);
    const table = screen.getByRole('table');
    expect(within(table).getAllByRole('row')).toHaveLength(1 + 100 + 1);
    expect(within(table).getByText('€7,260.00').getAttribute('data-value')).toBe('7260');
    fireEvent.click(screen.getByRole('button', { name: 'Show all 120 rows' }));
    expect(within(table).getAllByRole('row')).toHaveLength(1 + 120 + 1);
    fireEvent.click(screen.getByRole('button', { name: 'Download “Accounts” as CSV' }));
    expect(onCsv).toHaveBeenCalledWith('accounts');
  });

  it('says when a balance sheet does not balance', () => {
    render(<ReportPreview doc={{ ...doc, type: 'balance_sheet', balanced: false, sections: [] }} org="acme-corp"
                          timezone="UTC" ctx={{ locale: 'en-US', currency: 'USD' }} />);
    expect(screen.getByText('Not balanced')).toBeTruthy();
    expect(screen.getByText(/does not balance/)).toBeTruthy();
  });
});
