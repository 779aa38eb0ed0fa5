// Pure helpers of the search page: paging from the address, grouping a page of hits by type.
import type { EntityType, SearchHit } from '../../api/search';

/** The largest offset the server accepts (docs/openapi.json /search/{org} `offset`). */
export const kMaxOffset = 100_000;

/** `?page=` as a 1-based page number; anything else is page 1. */
export function pageFromParam(raw: string | null | undefined, pageSize: number): number {
  const n = raw && /^\d+$/.test(raw) ? Number(raw) : 1;
  const last = Math.floor(kMaxOffset / pageSize) + 1;
  return Math.min(Math.max(1, n), last);
}

export function offsetOf(page: number, pageSize: number): number {
  return (page - 1) * pageSize;
}

/** The number of pages `total` hits take (at least 1). */
export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

export interface HitGroup {
  type: EntityType;
  hits: SearchHit[];
}

/**
 * The hits of one page grouped by type: groups in the order of their best hit (the server
 * ranks by relevance), hits inside a group in the server's order.
 */
export function groupHits(hits: readonly SearchHit[]): HitGroup[] {
  const groups = new Map<EntityType, SearchHit[]>();
  for (const h of hits) {
    const g = groups.get(h.type);
    if (g) g.push(h);
    else groups.set(h.type, [h]);
  }
  return [...groups].map(([type, list]) => ({ type, hits: list }));
}

/** The search page's address for a query, type filter and page (page 1 and no filter left out). */
export function searchHref(org: string, q: string, types: readonly string[] = [], page = 1): string {
  const p = new URLSearchParams();
  if (q) p.set('q', q);
  if (types.length) p.set('type', types.join(','));
  if (page > 1) p.set('page', String(page));
  const s = p.toString();
  return `/o/${encodeURIComponent(org)}/search${s ? `?${s}` : ''}`;
}
