// Which domains a token's roles may read: the table of ../shared/spec/api.md "Auth". The
// server enforces it on every request; the app uses it only to hide what would answer 403.

export const kDomains = ['crm', 'hrm', 'finance', 'inventory', 'projects'] as const;
export type Domain = (typeof kDomains)[number];
export type Source = Domain | 'cross';

const kReaders: Record<Domain, string[]> = {
  crm: ['admin', 'analyst', 'sales'],
  hrm: ['admin', 'hr'],
  finance: ['admin', 'analyst', 'finance'],
  inventory: ['admin', 'analyst', 'operations'],
  projects: ['admin', 'analyst', 'project_manager'],
};

export function canRead(roles: readonly string[], domain: Domain): boolean {
  return kReaders[domain].some((r) => roles.includes(r));
}

export function readableDomains(roles: readonly string[]): Domain[] {
  return kDomains.filter((d) => canRead(roles, d));
}

/** The source domains of each cross-service metric (metrics.md "Cross-service"; the server's
 *  query/metric_table.cc): a role reads a cross metric only with all of its sources. */
export const kCrossSources: Record<string, Domain[]> = {
  revenue_per_employee: ['finance', 'hrm'],
  revenue_per_billable_hour: ['finance', 'projects'],
  pipeline_coverage: ['crm', 'finance'],
};

/** Whether the roles may read `metric` of `source` (a cross metric needs all its sources). */
export function canReadMetric(roles: readonly string[], source: Source, metric: string): boolean {
  if (source !== 'cross') return canRead(roles, source);
  const sources = kCrossSources[metric];
  return sources !== undefined && sources.every((d) => canRead(roles, d));
}

/** The Cross-service page is shown when at least one cross metric is readable. */
export function canReadCross(roles: readonly string[]): boolean {
  return Object.keys(kCrossSources).some((m) => canReadMetric(roles, 'cross', m));
}

export function isAdmin(roles: readonly string[]): boolean {
  return roles.includes('admin');
}

export const kDomainLabels: Record<Source, string> = {
  crm: 'CRM',
  hrm: 'HRM',
  finance: 'Finance',
  inventory: 'Inventory',
  projects: 'Projects',
  cross: 'Cross-service',
};
