// Search (web.md "Pages"; dashboards.md "Search"): a large field with completions, type
// filter chips (only types of domains the token's roles may read), the hits of
// GET /search/{org} grouped by type with their exact totals, the spelling suggestion, and
// pages of 20. Each hit links to where that entity's numbers live: its domain's page.
// State lives in the address: /o/{org}/search?q=&type=a,b&page=N.
import { useMemo } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ApiError } from '../api/client';
import {
  kPageSize, kTypeDomain, kTypeFields, kTypeLabels, hitHref, parseTypeFilter, readableTypes,
  useSearch, useTypeTotals, type EntityType, type SearchHit,
} from '../api/search';
import { useTenant } from '../api/tenant';
import { kDomainLabels } from '../auth/roles';
import { loadSession } from '../auth/session';
import { ErrorState, LoadingState } from '../components/States';
import { Icon } from '../components/Icon';
import { formatValue, type NumberContext } from '../format/number';
import { groupHits, offsetOf, pageCount, pageFromParam, searchHref } from './search/results';
import { SearchField } from './search/SearchField';
import { Snippet } from './search/Snippet';
import './search/search.css';

export function SearchPage() {
  const { org = '' } = useParams();
  const tenant = useTenant();
  const [params, setParams] = useSearchParams();
  const roles = loadSession()?.claims.roles ?? [];
  const rolesKey = roles.join(',');
  const readable = useMemo(() => readableTypes(rolesKey.split(',')), [rolesKey]);
  const q = (params.get('q') ?? '').trim();
  const rawType = params.get('type') ?? '';
  const types = useMemo(() => parseTypeFilter(rawType, readable), [rawType, readable]);
  const droppedTypes = rawType !== '' && types.length < rawType.split(',').filter(Boolean).length;
  const page = pageFromParam(params.get('page'), kPageSize);
  const offset = offsetOf(page, kPageSize);
  const ctx: NumberContext = { locale: tenant.locale, currency: tenant.currency };
  const canSearch = readable.length > 0;

  const search = useSearch(org, canSearch ? q : '', types, offset);
  // Per-type counts for the chips and group headings, once the query is known to read (a bad
  // query would fail eight more times) and to find something (or a filter hides the rest).
  const totals = useTypeTotals(org, q, readable,
    canSearch && search.isSuccess && !search.isPlaceholderData && (search.data.total > 0 || types.length > 0));

  const announcement = !q || !canSearch ? '' : search.isPending ? `Searching for ${q}` : search.isError
    ? 'The search failed' : `${search.data.total} ${search.data.total === 1 ? 'result' : 'results'} for ${q}`;

  const go = (next: { q?: string; types?: readonly EntityType[]; page?: number }) => {
    const p = new URLSearchParams();
    const nq = next.q ?? q;
    const nt = next.types ?? types;
    if (nq) p.set('q', nq);
    if (nt.length) p.set('type', nt.join(','));
    if ((next.page ?? 1) > 1) p.set('page', String(next.page));
    setParams(p);
  };
  const toggleType = (t: EntityType) => {
    const set = new Set(types);
    if (set.has(t)) set.delete(t); else set.add(t);
    go({ types: readable.filter((r) => set.has(r)), page: 1 });
  };

  return (
    <div className="page search-page" data-org={org}>
      <div className="page-header">
        <div>
          <h1>Search</h1>
          <p className="subtitle">{tenant.name || org}: people, deals, invoices, products and work, found by name or id.</p>
        </div>
      </div>

      <p className="visually-hidden" role="status" aria-live="polite">{announcement}</p>
      {!canSearch ? (
        <section className="card card-pad search-intro" aria-labelledby="search-none">
          <h2 id="search-none">Nothing to search with your roles</h2>
          <p className="muted">
            Search covers the CRM, HRM, Finance, Inventory and Projects domains, and your token's roles
            ({roles.join(', ') || 'none'}) include none of them. Ask an administrator for a domain role.
          </p>
        </section>
      ) : <>
        <SearchField key={`${q}|${types.join(',')}`} org={org} initial={q} types={types}
                     onSearch={(nq, t) => go({ q: nq, types: t && readable.includes(t) ? [t] : undefined, page: 1 })} />

        <div className="type-chips" role="group" aria-label="Filter by type">
          <button type="button" className="chip" aria-pressed={types.length === 0}
                  onClick={() => go({ types: [], page: 1 })}>
            All types
            {q && search.data && types.length === 0 && <span className="chip-count">{formatValue(search.data.total, 'count', ctx)}</span>}
          </button>
          {readable.map((t) => (
            <button key={t} type="button" className="chip" aria-pressed={types.includes(t)} data-type={t}
                    onClick={() => toggleType(t)}>
              {kTypeLabels[t].many}
              {q && totals[t] !== undefined && (
                <span className="chip-count">{formatValue(totals[t], 'count', ctx)}</span>
              )}
            </button>
          ))}
        </div>
        {droppedTypes && (
          <p className="alert alert-info search-note" role="note">
            Some types in the address are unknown or outside your roles' domains; they were left out.
          </p>
        )}

        <section className="search-results" aria-labelledby="results-heading"
                 aria-busy={search.isFetching || undefined}>
          {!q ? (
            <Intro org={org} readable={readable} />
          ) : search.isPending ? (
            <>
              <h2 id="results-heading" className="visually-hidden">Results</h2>
              <LoadingState label={`Searching for “${q}”…`} />
            </>
          ) : search.isError ? (
            <>
              <h2 id="results-heading" className="visually-hidden">Results</h2>
              {search.error instanceof ApiError && search.error.status === 400 ? (
                <ErrorState title="This query could not be read" error={search.error}
                            detail={`${search.error.detail || search.error.title}. Check quotes, parentheses and AND/OR/NOT: each needs words on both sides.`} />
              ) : (
                <ErrorState title="The search failed" error={search.error} retry={() => search.refetch()} />
              )}
            </>
          ) : (
            <Results org={org} q={q} types={types} page={page} offset={offset} data={search.data}
                     stale={search.isPlaceholderData} totals={totals} ctx={ctx} go={go} />
          )}
        </section>
      </>}
    </div>
  );
}

function Intro({ org, readable }: { org: string; readable: EntityType[] }) {
  return (
    <div className="card card-pad search-intro">
      <h2 id="results-heading">What you can search</h2>
      <p className="muted">
        Type a few letters: suggestions appear as you type, and Enter shows every match, grouped by type.
        Each result links to the page where its numbers live.
      </p>
      <ul className="search-types">
        {readable.map((t) => (
          <li key={t}>
            <strong>{kTypeLabels[t].many}</strong>
            <span className="muted"> by {kTypeFields[t]}</span>
            <span className="subtle"> · numbers on <Link to={hitHref(org, t)}>{kDomainLabels[kTypeDomain[t]]}</Link></span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Results({ org, q, types, page, offset, data, stale, totals, ctx, go }: {
  org: string; q: string; types: EntityType[]; page: number; offset: number;
  data: { total: number; hits: SearchHit[]; suggestion?: string };
  stale: boolean; totals: Partial<Record<EntityType, number>>; ctx: NumberContext;
  go: (next: { q?: string; types?: readonly EntityType[]; page?: number }) => void;
}) {
  const groups = groupHits(data.hits);
  const pages = pageCount(data.total, kPageSize);
  const first = offset + 1;
  const last = offset + data.hits.length;
  const filterLabel = types.length ? ` in ${types.map((t) => kTypeLabels[t].many.toLowerCase()).join(', ')}` : '';
  const suggestion = data.suggestion && data.suggestion !== q ? data.suggestion : undefined;

  const didYouMean = suggestion && (
    <p className="search-suggestion">
      Did you mean <Link to={searchHref(org, suggestion, types)} data-suggestion-link>{suggestion}</Link>?
    </p>
  );

  if (data.total === 0) {
    return (
      <div className="card card-pad search-empty">
        <h2 id="results-heading" data-search-total="0">No results for “{q}”{filterLabel}</h2>
        {didYouMean}
        <ul className="muted">
          <li>Check the spelling, or type the start of a word: the last word also matches as a prefix.</li>
          <li>Use fewer words: every word must match.</li>
          {types.length > 0 && (
            <li><button type="button" className="linklike" onClick={() => go({ types: [], page: 1 })}>Search every type</button> instead.</li>
          )}
        </ul>
      </div>
    );
  }

  return (
    <div className={stale ? 'results is-stale' : 'results'}>
      <div className="results-head">
        <h2 id="results-heading" data-search-total={data.total}>
          {formatValue(data.total, 'count', ctx)} {data.total === 1 ? 'result' : 'results'} for “{q}”{filterLabel}
        </h2>
        {data.hits.length > 0 && (
          <p className="subtle">Showing {formatValue(first, 'count', ctx)}–{formatValue(last, 'count', ctx)}, best matches first</p>
        )}
      </div>
      {didYouMean}
      {data.hits.length === 0 ? (
        <div className="state">
          <p>This page is past the last result.</p>
          <div className="actions"><button type="button" className="btn" onClick={() => go({ page: 1 })}>Back to the first page</button></div>
        </div>
      ) : groups.map((g) => (
        <section key={g.type} className="hit-group" aria-labelledby={`group-${g.type}`} data-group={g.type}>
          <h3 id={`group-${g.type}`}>
            {kTypeLabels[g.type]?.many ?? g.type}
            {totals[g.type] !== undefined && (
              <span className="badge" data-type-total={totals[g.type]}>
                {formatValue(totals[g.type]!, 'count', ctx)} in all
              </span>
            )}
          </h3>
          <ul className="hits">
            {g.hits.map((h) => <Hit key={`${h.type}:${h.id}`} org={org} hit={h} />)}
          </ul>
        </section>
      ))}
      {pages > 1 && (
        <nav className="pager" aria-label="Result pages">
          <button type="button" className="btn" disabled={page <= 1} onClick={() => go({ page: page - 1 })}>
            <Icon name="left" />Previous
          </button>
          <span className="pager-label">Page {formatValue(page, 'count', ctx)} of {formatValue(pages, 'count', ctx)}</span>
          <button type="button" className="btn" disabled={offset + kPageSize >= data.total}
                  onClick={() => go({ page: page + 1 })}>
            Next<Icon name="right" />
          </button>
        </nav>
      )}
    </div>
  );
}

function Hit({ org, hit }: { org: string; hit: SearchHit }) {
  const domain = kTypeDomain[hit.type] ?? hit.domain;
  const label = kTypeLabels[hit.type]?.one ?? hit.type;
  return (
    <li className="hit card">
      <div className="hit-head">
        <Link className="hit-link" to={hitHref(org, hit.type, hit.domain)} data-hit-id={hit.id} data-hit-type={hit.type}>
          {hit.title || hit.id}
          <span className="visually-hidden">, {label}: see the numbers on the {kDomainLabels[domain] ?? domain} page</span>
        </Link>
        <span className="badge" aria-hidden="true">{label}</span>
      </div>
      {hit.snippet && <Snippet html={hit.snippet} />}
      <p className="hit-meta subtle">
        <span className="mono">{hit.id}</span>
        <span aria-hidden="true"> · Numbers in {kDomainLabels[domain] ?? domain} →</span>
      </p>
    </li>
  );
}
