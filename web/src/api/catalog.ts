// The metric catalog of ../shared/spec/metrics.md: every field the analytics bodies carry,
// with how to show it. Kinds: a number, a map {key: number} or a list of rows.

import type { Unit } from '../format/number';
import type { Source } from '../auth/roles';

export interface MetricDef {
  key: string;
  label: string;
  unit: Unit;
  shape: 'number' | 'map' | 'list';
  /** A headline number: shown as a KPI tile on the domain page. */
  kpi?: boolean;
  /** Higher is better (for the trend arrow's colour); false for costs and overdue counts. */
  higherIsBetter?: boolean;
  /** A map's or list's entries in a table: what an entry's key names ("Stage") and what its
   *  value is ("Open opportunities"), the heads of the two columns. */
  entryLabel?: string;
  valueLabel?: string;
}

const n = (key: string, label: string, unit: Unit, extra: Partial<MetricDef> = {}): MetricDef =>
  ({ key, label, unit, shape: 'number', higherIsBetter: true, ...extra });
const m = (key: string, label: string, unit: Unit, entryLabel: string, valueLabel: string): MetricDef =>
  ({ key, label, unit, shape: 'map', entryLabel, valueLabel });

export const kCatalog: Record<Source, MetricDef[]> = {
  crm: [
    n('pipeline_value', 'Pipeline value', 'money', { kpi: true }),
    n('won_value', 'Won value', 'money', { kpi: true }),
    n('win_rate', 'Win rate', 'percent', { kpi: true }),
    n('conversion_rate', 'Lead conversion', 'percent', { kpi: true }),
    n('average_deal_size', 'Average deal size', 'money'),
    n('contacts_new', 'New contacts', 'count'),
    n('contacts_total', 'Contacts', 'count'),
    n('leads_new', 'New leads', 'count'),
    n('leads_converted', 'Leads converted', 'count'),
    n('leads_total', 'Leads', 'count'),
    n('opportunities_new', 'New opportunities', 'count'),
    n('opportunities_won', 'Opportunities won', 'count'),
    n('opportunities_lost', 'Opportunities lost', 'count', { higherIsBetter: false }),
    n('activities_total', 'Activities', 'count'),
    m('pipeline_stages', 'Open opportunities by stage', 'count', 'Stage', 'Open opportunities'),
    m('activities_by_type', 'Activities by type', 'count', 'Type', 'Activities'),
    { key: 'top_performers', label: 'Top performers', unit: 'money', shape: 'list', entryLabel: 'User', valueLabel: 'Won value' },
  ],
  hrm: [
    n('total_employees', 'Employees', 'count', { kpi: true }),
    n('new_hires', 'New hires', 'count', { kpi: true }),
    n('turnover_rate', 'Turnover', 'percent', { kpi: true, higherIsBetter: false }),
    n('average_attendance', 'Attendance', 'percent', { kpi: true }),
    n('terminations', 'Terminations', 'count', { higherIsBetter: false }),
    n('leave_requests', 'Leave requests', 'count'),
    n('leave_approved', 'Leave approved', 'count'),
    n('leave_pending', 'Leave pending', 'count', { higherIsBetter: false }),
    n('leave_days_approved', 'Leave days approved', 'days'),
    n('attendance_checkins', 'Check-ins', 'count'),
    n('late_arrivals', 'Late arrivals', 'count', { higherIsBetter: false }),
    n('payroll_gross', 'Payroll (gross)', 'money'),
    n('payroll_net', 'Payroll (net)', 'money'),
    m('employees_by_department', 'Employees by department', 'count', 'Department', 'Employees'),
    m('employees_by_role', 'Employees by role', 'count', 'Role', 'Employees'),
  ],
  finance: [
    n('total_revenue', 'Revenue', 'money', { kpi: true }),
    n('revenue_growth', 'Revenue growth', 'percent', { kpi: true }),
    n('accounts_receivable', 'Accounts receivable', 'money', { kpi: true, higherIsBetter: false }),
    n('net_profit', 'Net profit', 'money', { kpi: true }),
    n('recurring_revenue', 'Recurring revenue', 'money'),
    n('one_time_revenue', 'One-time revenue', 'money'),
    n('invoices_created', 'Invoices created', 'count'),
    n('invoices_sent', 'Invoices sent', 'count'),
    n('invoices_paid', 'Invoices paid', 'count'),
    n('invoices_overdue', 'Invoices overdue', 'count', { higherIsBetter: false }),
    n('payments_received', 'Payments received', 'money'),
    n('average_payment_time', 'Average payment time', 'days', { higherIsBetter: false }),
    n('cash_inflow', 'Cash in', 'money'),
    n('cash_outflow', 'Cash out', 'money', { higherIsBetter: false }),
    n('net_cash_flow', 'Net cash flow', 'money'),
    n('ledger_revenue', 'Ledger revenue', 'money'),
    n('cost_of_goods_sold', 'Cost of goods sold', 'money', { higherIsBetter: false }),
    n('operating_expenses', 'Operating expenses', 'money', { higherIsBetter: false }),
    n('gross_profit', 'Gross profit', 'money'),
    n('profit_margin', 'Profit margin', 'percent'),
  ],
  inventory: [
    n('stock_value', 'Stock value', 'money', { kpi: true }),
    n('inventory_turnover', 'Inventory turnover', 'ratio', { kpi: true }),
    n('orders_fulfilled', 'Orders fulfilled', 'count', { kpi: true }),
    n('low_stock_products', 'Low-stock products', 'count', { kpi: true, higherIsBetter: false }),
    n('products_total', 'Products', 'count'),
    n('units_on_hand', 'Units on hand', 'count'),
    n('orders_created', 'Orders created', 'count'),
    n('order_value', 'Order value', 'money'),
    n('units_sold', 'Units sold', 'count'),
    n('cost_of_goods_sold', 'Cost of goods sold', 'money', { higherIsBetter: false }),
    n('average_fulfillment_hours', 'Average fulfilment time', 'hours', { higherIsBetter: false }),
    n('reorders_triggered', 'Reorders triggered', 'count'),
    m('stock_by_warehouse', 'Stock by warehouse', 'count', 'Warehouse', 'Units'),
  ],
  projects: [
    n('projects_active', 'Active projects', 'count', { kpi: true }),
    n('utilization_rate', 'Utilization', 'percent', { kpi: true }),
    n('hours_logged', 'Hours logged', 'hours', { kpi: true }),
    n('open_tasks', 'Open tasks', 'count', { kpi: true, higherIsBetter: false }),
    n('projects_created', 'Projects created', 'count'),
    n('projects_completed', 'Projects completed', 'count'),
    n('tasks_created', 'Tasks created', 'count'),
    n('tasks_completed', 'Tasks completed', 'count'),
    n('task_completion_rate', 'Task completion', 'percent'),
    n('billable_hours', 'Billable hours', 'hours'),
    n('projects_over_budget', 'Projects over budget', 'count', { higherIsBetter: false }),
    m('hours_by_project', 'Hours by project', 'hours', 'Project', 'Hours'),
  ],
  cross: [
    n('revenue_per_employee', 'Revenue per employee', 'money', { kpi: true }),
    n('revenue_per_billable_hour', 'Revenue per billable hour', 'money', { kpi: true }),
    n('pipeline_coverage', 'Pipeline coverage', 'ratio', { kpi: true }),
  ],
};

export function metricDef(source: string, key: string): MetricDef | undefined {
  return kCatalog[source as Source]?.find((d) => d.key === key);
}

/** The analytics route of each source (api.md "Analytics"). */
export const kSectionRoutes: Record<Source, string> = {
  crm: '/analytics/crm/pipeline/{org}',
  hrm: '/analytics/hrm/headcount/{org}',
  finance: '/analytics/finance/revenue/{org}',
  inventory: '/analytics/inventory/turnover/{org}',
  projects: '/analytics/projects/utilization/{org}',
  cross: '/analytics/cross/{org}',
};
