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

/** Cross-service metrics need every source domain; the server leaves out what it can't show. */
export function canReadCross(roles: readonly string[]): boolean {
  return readableDomains(roles).length >= 2;
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
