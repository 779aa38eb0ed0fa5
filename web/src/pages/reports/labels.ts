// Names shown for the catalog's ids: reports, parameters and their values, period rules, run
// statuses.
import { kPeriodRules, type ReportCatalog, type RunStatus } from '../../api/reports';
import { periodLabel } from '../../format/period';

const kReportLabels: Record<string, string> = {
  financial: 'Financial', sales: 'Sales', hr: 'HR', inventory: 'Inventory', projects: 'Projects',
};

export function reportLabel(report: string): string {
  return kReportLabels[report] ?? (report ? report[0].toUpperCase() + report.slice(1).replace(/_/g, ' ') : '');
}

/** "Profit and loss" for financial/pnl, from the catalog; the ids when it does not know them. */
export function typeTitle(catalog: ReportCatalog | undefined, report: string, type: string): string {
  const t = catalog?.reports.find((r) => r.report === report)?.types.find((x) => x.type === type);
  return t?.title ?? `${reportLabel(report)} ${type.replace(/_/g, ' ')}`;
}

export function paramLabel(name: string): string {
  if (name === 'compare') return 'Compare with';
  return name ? name[0].toUpperCase() + name.slice(1).replace(/_/g, ' ') : name;
}

export function paramValueLabel(name: string, v: string): string {
  if (name === 'compare') {
    switch (v) {
      case 'prev': return 'The previous period';
      case 'yoy': return 'The same period a year earlier';
      case 'none': return 'No comparison';
    }
  }
  return v;
}

/** A schedule's period: a rule in words, or a fixed period's name. */
export function schedulePeriodLabel(period: string, locale?: string): string {
  const rule = kPeriodRules.find((r) => r.value === period);
  return rule ? rule.label : periodLabel(period, locale);
}

export const kStatusBadges: Record<RunStatus, { label: string; cls: string }> = {
  sent: { label: 'Sent', cls: 'badge badge-good' },
  failed: { label: 'Failed', cls: 'badge badge-bad' },
  retrying: { label: 'Retrying', cls: 'badge badge-warn' },
  running: { label: 'Running', cls: 'badge badge-info' },
  skipped: { label: 'Skipped', cls: 'badge' },
};
