// How a report document's numbers are shown: table cells by column type, KPI items by unit, and
// which KPIs are exactly an Analytics API metric (so they carry data-metric). Pure functions,
// tested in format.test.ts.
import type { Cell, ColumnType, KpiItem } from '../../api/reports';
import { formatValue, numberFormat, type NumberContext, type Unit } from '../../format/number';
import { anchorOf, granularityOf, periodOf } from '../../format/period';

/** A period label that names a real period (`2024-13` and `2024-W60` do not). */
export function isValidPeriod(p: string | null | undefined): p is string {
  if (!p) return false;
  const g = granularityOf(p);
  const a = anchorOf(p);
  return g !== null && a !== null && periodOf(a, g) === p;
}

const nf = numberFormat;  // made once per locale and options (format/number.ts)

/** A report percentage: the value 12.5 means 12.5 % (not 0.125 as in the Analytics API). */
export function formatPercent(value: number, locale?: string): string {
  return nf(locale, { style: 'percent', maximumFractionDigits: 1, minimumFractionDigits: 0 }).format(value / 100);
}

/** The visible text of a table cell; `null` is an empty cell. */
export function formatCell(value: Cell | undefined, type: ColumnType, ctx: NumberContext): string {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'string') {
    // Numbers of a numeric column may arrive as exact decimal text; show them as numbers.
    if (type === 'string' || type === 'date') return value;
    const n = Number(value);
    if (!Number.isFinite(n) || !/^-?\d+(\.\d+)?$/.test(value.trim())) return value;
    return formatCell(n, type, ctx);
  }
  switch (type) {
    case 'money':
      return formatValue(value, 'money', ctx);
    case 'integer':
      return formatValue(value, 'count', ctx);
    case 'percent':
      return formatPercent(value, ctx.locale);
    case 'number':
      return nf(ctx.locale, { minimumFractionDigits: 0, maximumFractionDigits: 2 }).format(value);
    default:
      return String(value);
  }
}

export function isNumericColumn(type: ColumnType): boolean {
  return type === 'money' || type === 'integer' || type === 'number' || type === 'percent';
}

/** The unit of a KPI item as format/number.ts names it. */
export function kpiUnit(item: Pick<KpiItem, 'unit'>, currency: string): Unit | 'report-percent' | 'other' {
  const u = item.unit.trim();
  if (u === '') return 'count';
  if (u === '%') return 'report-percent';
  if (u.toUpperCase() === currency.toUpperCase() || /^[A-Z]{3}$/.test(u)) return 'money';
  if (/^(h|hours?)$/i.test(u)) return 'hours';
  if (/^(d|days?)$/i.test(u)) return 'days';
  return 'other';
}

/** The visible text of a KPI item. Money in the item's own currency code. */
export function formatKpi(item: KpiItem, ctx: NumberContext): string {
  const unit = kpiUnit(item, ctx.currency);
  if (item.value === null || item.value === undefined) return '—';
  switch (unit) {
    case 'report-percent':
      return formatPercent(item.value, ctx.locale);
    case 'money':
      return formatValue(item.value, 'money', { ...ctx, currency: item.unit.trim() || ctx.currency });
    case 'count':
      return Number.isInteger(item.value)
        ? formatValue(item.value, 'count', ctx)
        : nf(ctx.locale, { maximumFractionDigits: 2 }).format(item.value);
    case 'other':
      return `${nf(ctx.locale, { maximumFractionDigits: 2 }).format(item.value)} ${item.unit}`;
    default:
      return formatValue(item.value, unit, ctx);
  }
}

/**
 * KPIs that are exactly an Analytics API metric of the same period (docs/reports.md and
 * docs/reports-operational.md: "KPIs are the metrics"), by report/type and label. Ratios are
 * left out: a report shows 12.5 (%), the API 0.125, so their raw values differ.
 */
const kKpiMetrics: Record<string, Record<string, string>> = {
  'financial/pnl': {
    'revenue': 'finance.ledger_revenue',
    'cost of goods sold': 'finance.cost_of_goods_sold',
    'gross profit': 'finance.gross_profit',
    'operating expenses': 'finance.operating_expenses',
    'net profit': 'finance.net_profit',
  },
  'financial/cash_flow': { 'net change': 'finance.net_cash_flow' },
  'financial/ar_aging': {
    'total receivables': 'finance.accounts_receivable',
  },
  'sales/pipeline': {
    'pipeline value': 'crm.pipeline_value',
    'new opportunities': 'crm.opportunities_new',
  },
  'sales/performance': {
    'deals won': 'crm.opportunities_won',
    'deals lost': 'crm.opportunities_lost',
    'won value': 'crm.won_value',
  },
  'sales/activity': { 'activities': 'crm.activities_total' },
  'sales/conversion': {
    'new leads': 'crm.leads_new',
    'leads converted': 'crm.leads_converted',
    'leads total': 'crm.leads_total',
  },
  'hr/headcount': { 'employees': 'hrm.total_employees', 'new hires': 'hrm.new_hires', 'terminations': 'hrm.terminations' },
  'hr/attendance': { 'check-ins': 'hrm.attendance_checkins', 'late arrivals': 'hrm.late_arrivals' },
  'hr/leave': {
    'leave requests': 'hrm.leave_requests',
    'approved': 'hrm.leave_approved',
    'pending': 'hrm.leave_pending',
    'days approved': 'hrm.leave_days_approved',
  },
  'hr/payroll': { 'gross payroll': 'hrm.payroll_gross', 'net payroll': 'hrm.payroll_net' },
  'inventory/stock': {
    'products': 'inventory.products_total',
    'units on hand': 'inventory.units_on_hand',
    'stock value': 'inventory.stock_value',
    'low-stock products': 'inventory.low_stock_products',
  },
  'inventory/orders': {
    'orders created': 'inventory.orders_created',
    'orders fulfilled': 'inventory.orders_fulfilled',
    'order value': 'inventory.order_value',
    'units sold': 'inventory.units_sold',
    'cost of goods sold': 'inventory.cost_of_goods_sold',
  },
  'inventory/reorder': {
    'reorders triggered': 'inventory.reorders_triggered',
    'low-stock products': 'inventory.low_stock_products',
  },
  'projects/utilization': {
    'hours logged': 'projects.hours_logged',
    'billable hours': 'projects.billable_hours',
  },
  'projects/budget': {
    'projects over budget': 'projects.projects_over_budget',
    'active projects': 'projects.projects_active',
  },
  'projects/tasks': {
    'tasks created': 'projects.tasks_created',
    'tasks completed': 'projects.tasks_completed',
    'open tasks': 'projects.open_tasks',
  },
};

/** The `<domain>.<metric>` a KPI item shows, or undefined when it is not exactly a metric. */
export function kpiMetric(report: string, type: string, item: Pick<KpiItem, 'label' | 'unit'>): string | undefined {
  if (item.unit.trim() === '%') return undefined;
  const label = item.label.trim().toLowerCase().replace(/\s+/g, ' ');
  return kKpiMetrics[`${report}/${type}`]?.[label];
}

/** The raw value for `data-value`: the number as the API wrote it, unformatted. */
export function rawValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  return String(v);
}

/** "1.2 MB" for a file size in bytes. */
export function formatBytes(n: number, locale?: string): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${nf(locale, { maximumFractionDigits: i === 0 ? 0 : 1 }).format(v)} ${units[i]}`;
}

/** A date-time in the tenant's time zone, e.g. "3 Mar 2024, 08:00". */
export function formatDateTime(iso: string | null | undefined, timezone: string, locale?: string): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  try {
    return new Intl.DateTimeFormat(locale, {
      timeZone: timezone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
    }).format(t);
  } catch {
    return iso;
  }
}
