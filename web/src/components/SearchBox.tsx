// The global search box: completions of the last word as you type (GET
// /search/suggestions/{org}), keyboard-driven (ARIA combobox), Enter searches.
import { useEffect, useId, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { getJson, orgPath, withQuery } from '../api/client';
import { Icon } from './Icon';

interface Suggestion { text: string; type: string }

export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** Replaces the last word of `q` with the completion. */
export function complete(q: string, text: string): string {
  const m = /^(.*?)(\S*)$/.exec(q);
  return `${m ? m[1] : ''}${text}`;
}

export function SearchBox({ org, initial = '' }: { org: string; initial?: string }) {
  const navigate = useNavigate();
  const id = useId();
  const [q, setQ] = useState(initial);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const debounced = useDebounced(q.trim(), 120);
  const suggestions = useQuery({
    queryKey: ['suggest', org, debounced],
    queryFn: ({ signal }) =>
      getJson<{ suggestions: Suggestion[] }>(withQuery(orgPath('/search/suggestions/{org}', org), { q: debounced }), signal),
    enabled: debounced.length >= 1 && open,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const items = (open && debounced && suggestions.data?.suggestions) || [];

  const go = (query: string, type?: string) => {
    setOpen(false);
    setActive(-1);
    if (!query.trim()) return;
    navigate(withQuery(`/o/${encodeURIComponent(org)}/search`, { q: query.trim(), type }));
  };

  return (
    <form className="searchbox" role="search" onSubmit={(e) => {
      e.preventDefault();
      if (active >= 0 && items[active]) go(complete(q, items[active].text), items[active].type);
      else go(q);
    }}>
      <Icon name="search" />
      <label className="visually-hidden" htmlFor={`${id}-q`}>Search</label>
      <input id={`${id}-q`} className="input" type="search" placeholder="Search contacts, invoices, products…"
             autoComplete="off" value={q} role="combobox" aria-expanded={items.length > 0}
             aria-controls={`${id}-list`} aria-autocomplete="list"
             aria-activedescendant={active >= 0 ? `${id}-opt-${active}` : undefined}
             onChange={(e) => { setQ(e.target.value); setOpen(true); setActive(-1); }}
             onBlur={() => window.setTimeout(() => setOpen(false), 150)}
             onKeyDown={(e) => {
               if (e.key === 'ArrowDown') { e.preventDefault(); setOpen(true); setActive((a) => Math.min(a + 1, items.length - 1)); }
               else if (e.key === 'ArrowUp') { e.preventDefault(); setActive((a) => Math.max(a - 1, -1)); }
               else if (e.key === 'Escape') { setOpen(false); setActive(-1); }
             }} />
      <ul id={`${id}-list`} role="listbox" className="suggestions" hidden={items.length === 0}
          aria-label="Suggestions">
        {items.map((s, i) => (
          <li key={`${s.type}:${s.text}`} id={`${id}-opt-${i}`} role="option" aria-selected={i === active}
              data-suggestion={s.text}
              onMouseDown={(e) => { e.preventDefault(); go(complete(q, s.text), s.type); }}>
            <span>{s.text}</span><span className="badge">{s.type}</span>
          </li>
        ))}
      </ul>
    </form>
  );
}
