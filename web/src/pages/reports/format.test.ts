import { describe, expect, it } from 'vitest';
import { filenameFromDisposition, exportFallbackName, fileFormatOf } from '../../api/reports';
import { formatBytes, formatCell, formatKpi, isValidPeriod, kpiMetric, kpiUnit } from './format';
import { chartCategories, chartUnit, reportChartOption } from './chartOption';

const ctx = { locale: 'en-US', currency: 'USD' };

describe('filenameFromDisposition', () => {
  it('reads a quoted filename', () => {
    expect(filenameFromDisposition('attachment; filename="acme-corp-financial-pnl-2024-Q1.pdf"', 'x'))
      .toBe('acme-corp-financial-pnl-2024-Q1.pdf');
  });
  it('reads a bare filename', () => {
    expect(filenameFromDisposition('attachment; filename=report.csv', 'x')).toBe('report.csv');
  });
  it('prefers filename* (RFC 5987)', () => {
    expect(filenameFromDisposition("attachment; filename=\"r.pdf\"; filename*=UTF-8''Bericht%20%C3%BCber.pdf", 'x'))
      .toBe('Bericht über.pdf');
  });
  it('undoes escapes and drops directories', () => {
    expect(filenameFromDisposition('attachment; filename="a\\"b.csv"', 'x')).toBe('a"b.csv');
    expect(filenameFromDisposition('attachment; filename="../../etc/passwd"', 'x')).toBe('passwd');
  });
  it('falls back without a usable name', () => {
    expect(filenameFromDisposition(null, 'fallback.pdf')).toBe('fallback.pdf');
    expect(filenameFromDisposition('attachment', 'fallback.pdf')).toBe('fallback.pdf');
    expect(filenameFromDisposition('attachment; filename=".."', 'fallback.pdf')).toBe('fallback.pdf');
  });
});

describe('export names and formats', () => {
  it('builds the server-style fallback name', () => {
    expect(exportFallbackName({ organization_id: 'acme corp', report: 'financial', type: 'pnl', period: '2024-Q1' }, 'xlsx'))
      .toBe('acme_corp-financial-pnl-2024-Q1.xlsx');
    expect(exportFallbackName({ organization_id: 'a', report: 'hr', type: 'headcount', period: '2024-01', section: 'roles' }, 'csv'))
      .toBe('a-hr-headcount-2024-01-roles.csv');
  });
  it('maps API formats to page formats', () => {
    expect(fileFormatOf('excel')).toBe('xlsx');
    expect(fileFormatOf('pdf')).toBe('pdf');
    expect(fileFormatOf('json')).toBeNull();
  });
});

describe('cells and KPIs', () => {
  it('formats cells by column type', () => {
    expect(formatCell(1234.5, 'money', ctx)).toBe('$1,234.50');
    expect(formatCell(12.5, 'percent', ctx)).toBe('12.5%');
    expect(formatCell(1234, 'integer', ctx)).toBe('1,234');
    expect(formatCell(0.02, 'number', ctx)).toBe('0.02');
    expect(formatCell(null, 'money', ctx)).toBe('');
    expect(formatCell('4000 Sales', 'string', ctx)).toBe('4000 Sales');
    expect(formatCell('2024-01-31', 'date', ctx)).toBe('2024-01-31');
    expect(formatCell('12.5', 'money', ctx)).toBe('$12.50');
  });
  it('reads KPI units', () => {
    expect(kpiUnit({ unit: 'USD' }, 'USD')).toBe('money');
    expect(kpiUnit({ unit: 'EUR' }, 'USD')).toBe('money');
    expect(kpiUnit({ unit: '%' }, 'USD')).toBe('report-percent');
    expect(kpiUnit({ unit: '' }, 'USD')).toBe('count');
    expect(kpiUnit({ unit: 'hours' }, 'USD')).toBe('hours');
    expect(kpiUnit({ unit: 'days' }, 'USD')).toBe('days');
  });
  it('formats KPI items', () => {
    expect(formatKpi({ label: 'Net profit', value: -1611171.71, unit: 'USD' }, ctx)).toBe('-$1,611,171.71');
    expect(formatKpi({ label: 'Net margin', value: -73.74, unit: '%' }, ctx)).toBe('-73.7%');
    expect(formatKpi({ label: 'Accounts', value: 16, unit: '' }, ctx)).toBe('16');
    expect(formatKpi({ label: 'Turnover', value: 0.09, unit: '' }, ctx)).toBe('0.09');
    expect(formatKpi({ label: 'Hours', value: 36.18, unit: 'hours' }, ctx)).toBe('36.2 h');
    expect(formatKpi({ label: 'Stock value', value: 10, unit: 'EUR' }, ctx)).toBe('€10.00');
  });
  it('maps KPIs to metrics, but never percentages', () => {
    expect(kpiMetric('financial', 'pnl', { label: 'Net profit', unit: 'USD' })).toBe('finance.net_profit');
    expect(kpiMetric('financial', 'pnl', { label: 'Revenue', unit: 'USD' })).toBe('finance.ledger_revenue');
    expect(kpiMetric('financial', 'pnl', { label: 'Net margin', unit: '%' })).toBeUndefined();
    expect(kpiMetric('sales', 'pipeline', { label: 'Win rate', unit: '%' })).toBeUndefined();
    expect(kpiMetric('inventory', 'stock', { label: 'Stock value', unit: 'USD' })).toBe('inventory.stock_value');
    expect(kpiMetric('hr', 'leave', { label: 'Days approved', unit: 'days' })).toBe('hrm.leave_days_approved');
    expect(kpiMetric('financial', 'balance_sheet', { label: 'Total assets', unit: 'USD' })).toBeUndefined();
  });
  it('formats sizes', () => {
    expect(formatBytes(512, 'en-US')).toBe('512 B');
    expect(formatBytes(33219, 'en-US')).toBe('32.4 KB');
  });
});

describe('report charts', () => {
  const section = {
    id: 'trend', title: 'T', kind: 'chart' as const, chart: 'bar' as const,
    series: [
      { name: 'Revenue', points: [{ x: '2024-01', y: 1 }, { x: '2024-02', y: 2 }] },
      { name: 'Net profit', points: [{ x: '2024-02', y: 3 }, { x: '2024-03', y: 4 }] },
    ],
  };
  it('shares the categories of every series', () => {
    expect(chartCategories(section)).toEqual(['2024-01', '2024-02', '2024-03']);
    const opt = reportChartOption(section, (v) => String(v),
      { series: ['#000'], text: '#111', grid: '#222', surface: '#fff' }) as { series: { data: (number | null)[] }[] };
    expect(opt.series[1].data).toEqual([null, 3, 4]);
  });
  it('has a legend that is a key, not a control, and only with several series', () => {
    const palette = { series: ['#000'], text: '#111', grid: '#222', surface: '#fff' };
    const two = reportChartOption(section, (v) => String(v), palette) as { legend?: { type: string; selectedMode: boolean } };
    expect(two.legend?.selectedMode).toBe(false);
    expect(two.legend?.type).toBe('plain');
    const one = reportChartOption({ ...section, series: section.series.slice(0, 1) }, (v) => String(v), palette) as { legend?: unknown };
    expect(one.legend).toBeUndefined();
  });
  it('guesses one unit for the chart', () => {
    expect(chartUnit(section, [{ label: 'Revenue', unit: 'USD' }], 'USD')).toBe('money');
    expect(chartUnit({ series: [{ name: 'Deals won', points: [] }] }, [{ label: 'Deals won', unit: '' }], 'USD')).toBe('count');
    expect(chartUnit({ series: [{ name: 'Hours logged', points: [] }, { name: 'Billable hours', points: [] }] }, [], 'USD')).toBe('hours');
    expect(chartUnit({ series: [{ name: 'Hours logged', points: [] }, { name: 'Won value', points: [] }] }, [], 'USD')).toBe('number');
  });
});

describe('isValidPeriod', () => {
  it('takes real periods only', () => {
    for (const p of ['2024-01-15', '2024-W03', '2020-W53', '2024-01', '2024-Q1', '2024']) expect(isValidPeriod(p)).toBe(true);
    for (const p of ['2024-13', '2024-02-30', '2021-W53', '2024-Q5', '', null, 'previous_month']) expect(isValidPeriod(p)).toBe(false);
  });
});
