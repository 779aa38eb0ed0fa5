// Search over a tenant's entities (../shared/spec/dashboards.md "Search"):
//   GET /search/{org}?q=&type=&limit=&offset=  → {total, hits: [{type, id, title, snippet, domain, score}], suggestion?}
//   GET /search/suggestions/{org}?q=&type=     → {suggestions: [{text, type}]}
// `type` is a comma-separated list; a type of a domain the caller lacks answers 403, so the app
// only ever sends types of readable domains (readableTypes).
import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { getJson, orgPath, withQuery } from './client';
import { canRead, type Domain } from '../auth/roles';

export const kEntityTypes = ['contact', 'lead', 'opportunity', 'employee', 'invoice', 'product', 'project', 'task'] as const;
export type EntityType = (typeof kEntityTypes)[number];

/** The domain whose numbers each entity type feeds (and whose role gates it). */
export const kTypeDomain: Record<EntityType, Domain> = {
  contact: 'crm',
  lead: 'crm',
  opportunity: 'crm',
  employee: 'hrm',
  invoice: 'finance',
  product: 'inventory',
  project: 'projects',
  task: 'projects',
};

export const kTypeLabels: Record<EntityType, { one: string; many: string }> = {
  contact: { one: 'Contact', many: 'Contacts' },
  lead: { one: 'Lead', many: 'Leads' },
  opportunity: { one: 'Opportunity', many: 'Opportunities' },
  employee: { one: 'Employee', many: 'Employees' },
  invoice: { one: 'Invoice', many: 'Invoices' },
  product: { one: 'Product', many: 'Products' },
  project: { one: 'Project', many: 'Projects' },
  task: { one: 'Task', many: 'Tasks' },
};

/** What the index holds of each type (the fields a query matches). */
export const kTypeFields: Record<EntityType, string> = {
  contact: 'name, email, company',
  lead: 'name, source',
  opportunity: 'name, stage',
  employee: 'name, department, role',
  invoice: 'invoice id, customer',
  product: 'SKU, name, category',
  project: 'name',
  task: 'name',
};

export function isEntityType(s: string): s is EntityType {
  return (kEntityTypes as readonly string[]).includes(s);
}

export function domainOfType(type: string): Domain | undefined {
  return isEntityType(type) ? kTypeDomain[type] : undefined;
}

/** The entity types whose domain the roles may read, in the canonical order. */
export function readableTypes(roles: readonly string[]): EntityType[] {
  return kEntityTypes.filter((t) => canRead(roles, kTypeDomain[t]));
}

/**
 * The `type` filter of the address (`?type=contact,lead`), cleaned: known types the caller may
 * read, each once, in the canonical order. Empty means every readable type.
 */
export function parseTypeFilter(raw: string | null | undefined, readable: readonly EntityType[]): EntityType[] {
  if (!raw) return [];
  const wanted = new Set(raw.split(',').map((s) => s.trim().toLowerCase()));
  return readable.filter((t) => wanted.has(t));
}

/** Where an entity's numbers live: its domain's analytics page. */
export function hitHref(org: string, type: string, domain?: string): string {
  const d = domainOfType(type) ?? domain ?? '';
  return `/o/${encodeURIComponent(org)}/analytics/${encodeURIComponent(d)}`;
}

export interface SearchHit {
  type: EntityType;
  id: string;
  title: string;
  /** HTML-escaped indexed text, matches in <mark>…</mark> (see parseSnippet). */
  snippet: string;
  domain: Domain;
  score: number;
}

export interface SearchResult {
  total: number;
  hits: SearchHit[];
  suggestion?: string;
}

export interface Suggestion { text: string; type: EntityType }

export const kPageSize = 20;

export function useSearch(org: string, q: string, types: readonly EntityType[], offset: number, limit = kPageSize) {
  const type = types.join(',');
  return useQuery({
    queryKey: ['search', org, q, type, offset, limit],
    queryFn: ({ signal }) =>
      getJson<SearchResult>(withQuery(orgPath('/search/{org}', org), { q, type, limit, offset }), signal),
    enabled: q.trim().length > 0,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
}

/** The exact number of matches of each type (limit=0 asks for `total` only). */
export function useTypeTotals(org: string, q: string, types: readonly EntityType[], enabled: boolean) {
  return useQueries({
    queries: types.map((t) => ({
      queryKey: ['search-total', org, q, t],
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        getJson<SearchResult>(withQuery(orgPath('/search/{org}', org), { q, type: t, limit: 0 }), signal),
      enabled: enabled && q.trim().length > 0,
      staleTime: 10_000,
    })),
    combine: (results) => {
      const totals: Partial<Record<EntityType, number>> = {};
      results.forEach((r, i) => { if (r.data) totals[types[i]] = r.data.total; });
      return totals;
    },
  });
}

export function useSuggestions(org: string, q: string, types: readonly EntityType[], enabled: boolean) {
  const type = types.join(',');
  return useQuery({
    queryKey: ['suggest', org, q, type],
    queryFn: ({ signal }) =>
      getJson<{ suggestions: Suggestion[] }>(withQuery(orgPath('/search/suggestions/{org}', org), { q, type }), signal),
    // A query ending in a space has no last word to complete.
    enabled: enabled && q.trim().length > 0 && !/\s$/.test(q),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}
