// The tenant's settings (time zone, currency, name) that every page formats with.
import { createContext, useContext } from 'react';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { getJson, orgPath } from './client';

export interface TenantSettings {
  organization_id: string;
  name: string;
  timezone: string;
  currency: string;
}

export interface Tenant extends TenantSettings {
  /** The reader's locale for numbers and dates (the browser's). */
  locale: string | undefined;
}

export const tenantQuery = (org: string) => queryOptions({
  queryKey: ['tenant', org],
  queryFn: ({ signal }) => getJson<TenantSettings>(orgPath('/tenants/{org}/settings', org), signal),
  staleTime: 5 * 60_000,
});

export function useTenantSettings(org: string) {
  return useQuery(tenantQuery(org));
}

export const TenantContext = createContext<Tenant | null>(null);

export function useTenant(): Tenant {
  const t = useContext(TenantContext);
  if (!t) throw new Error('useTenant outside a tenant page');
  return t;
}

export function browserLocale(): string | undefined {
  return typeof navigator !== 'undefined' ? navigator.language : undefined;
}
