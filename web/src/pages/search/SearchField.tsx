// The search page's own large field: the same completions-as-you-type as the top bar's box
// (ARIA combobox; ↑/↓ choose, Enter searches, Escape closes), but it keeps the page's type
// filter and asks for completions within it.
import { useId, useState } from 'react';
import { useSuggestions, type EntityType, kTypeLabels } from '../../api/search';
import { complete, useDebounced } from '../../components/SearchBox';
import { Icon } from '../../components/Icon';

export function SearchField({ org, initial, types, onSearch }: {
  org: string;
  initial: string;
  types: readonly EntityType[];
  /** A query to show; `type` when a suggestion of that type was chosen (as the top bar's box does). */
  onSearch: (q: string, type?: EntityType) => void;
}) {
  const id = useId();
  const [q, setQ] = useState(initial);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const debounced = useDebounced(q, 120);
  const suggestions = useSuggestions(org, debounced, types, open);
  const items = (open && debounced.trim() && suggestions.data?.suggestions) || [];

  const submit = (query: string, type?: EntityType) => {
    setOpen(false);
    setActive(-1);
    setQ(query);
    if (query.trim()) onSearch(query.trim(), type);
  };

  return (
    <form className="search-field" role="search" aria-label="Search this organization" onSubmit={(e) => {
      e.preventDefault();
      if (active >= 0 && items[active]) submit(complete(q, items[active].text), items[active].type);
      else submit(q);
    }}>
      <label className="visually-hidden" htmlFor={`${id}-q`}>Search for</label>
      <div className="search-field-box">
        <Icon name="search" size={22} />
        <input id={`${id}-q`} className="input search-field-input" type="search" autoComplete="off"
               placeholder="Names, emails, invoice ids, SKUs…" value={q} maxLength={1000}
               role="combobox" aria-expanded={items.length > 0} aria-controls={`${id}-list`}
               aria-autocomplete="list" aria-describedby={`${id}-hint`}
               aria-activedescendant={active >= 0 && items[active] ? `${id}-opt-${active}` : undefined}
               onChange={(e) => { setQ(e.target.value); setOpen(true); setActive(-1); }}
               onFocus={() => setOpen(true)}
               onBlur={() => window.setTimeout(() => setOpen(false), 150)}
               onKeyDown={(e) => {
                 if (e.key === 'ArrowDown') {
                   e.preventDefault();
                   setOpen(true);
                   setActive((a) => Math.min(a + 1, items.length - 1));
                 } else if (e.key === 'ArrowUp') {
                   e.preventDefault();
                   setActive((a) => Math.max(a - 1, -1));
                 } else if (e.key === 'Escape' && items.length > 0) {
                   e.preventDefault();
                   setOpen(false);
                   setActive(-1);
                 }
               }} />
        <ul id={`${id}-list`} role="listbox" className="suggestions" hidden={items.length === 0}
            aria-label="Suggestions">
          {items.map((s, i) => (
            <li key={`${s.type}:${s.text}`} id={`${id}-opt-${i}`} role="option" aria-selected={i === active}
                data-suggestion={s.text}
                onMouseDown={(e) => { e.preventDefault(); submit(complete(q, s.text), s.type); }}>
              <span>{s.text}</span><span className="badge">{kTypeLabels[s.type]?.one ?? s.type}</span>
            </li>
          ))}
        </ul>
      </div>
      <button type="submit" className="btn btn-primary search-field-submit">Search</button>
      <p id={`${id}-hint`} className="subtle search-field-hint">
        Every word must match; the last one also matches as a prefix. Use "quotes" for a phrase,
        OR for either word, -word to leave a word out.
      </p>
    </form>
  );
}
