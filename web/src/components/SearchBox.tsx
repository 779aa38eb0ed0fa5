// The global search box: completions of the last word as you type (GET
// /search/suggestions/{org}), keyboard-driven (ARIA combobox, combobox.ts), Enter searches.
import { useId } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { getJson, orgPath, withQuery } from '../api/client';
import { useCombobox, useDebounced, type Completion } from './combobox';
import { Icon } from './Icon';

export function SearchBox({ org, initial = '' }: { org: string; initial?: string }) {
  const navigate = useNavigate();
  const id = useId();
  const box = useCombobox<Completion>(id, initial, {});
  const debounced = useDebounced(box.q.trim(), 120);
  const suggestions = useQuery({
    queryKey: ['suggest', org, debounced],
    queryFn: ({ signal }) =>
      getJson<{ suggestions: Completion[] }>(withQuery(orgPath('/search/suggestions/{org}', org), { q: debounced }), signal),
    enabled: debounced.length >= 1 && box.open,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const items = (box.open && debounced && suggestions.data?.suggestions) || [];
  const b = box.bind(items, (query, type) => {
    if (query.trim()) navigate(withQuery(`/o/${encodeURIComponent(org)}/search`, { q: query.trim(), type }));
  });

  return (
    <form className="searchbox" role="search" onSubmit={b.onSubmit}>
      <Icon name="search" />
      <label className="visually-hidden" htmlFor={b.input.id}>Search</label>
      <input className="input" type="search" placeholder="Search contacts, invoices, products…" {...b.input} />
      <ul className="suggestions" {...b.list}>
        {items.map((s, i) => (
          <li key={`${s.type}:${s.text}`} {...b.option(i)}>
            <span>{s.text}</span><span className="badge">{s.type}</span>
          </li>
        ))}
      </ul>
    </form>
  );
}
