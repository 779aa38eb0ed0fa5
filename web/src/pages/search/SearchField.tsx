// The search page's own large field: the same completions-as-you-type as the top bar's box
// (combobox.ts: ↑/↓ choose, Enter searches, Escape closes), but it keeps the page's type
// filter, asks for completions within it, and opens them on focus.
import { useId } from 'react';
import { useSuggestions, type EntityType, kTypeLabels, type Suggestion } from '../../api/search';
import { useCombobox, useDebounced } from '../../components/combobox';
import { Icon } from '../../components/Icon';

export function SearchField({ org, initial, types, onSearch }: {
  org: string;
  initial: string;
  types: readonly EntityType[];
  /** A query to show; `type` when a suggestion of that type was chosen (as the top bar's box does). */
  onSearch: (q: string, type?: EntityType) => void;
}) {
  const id = useId();
  const field = useCombobox<Suggestion>(id, initial, { openOnFocus: true });
  const debounced = useDebounced(field.q, 120);
  const suggestions = useSuggestions(org, debounced, types, field.open);
  const items = (field.open && debounced.trim() && suggestions.data?.suggestions) || [];
  const b = field.bind(items, (query, type) => {
    field.setQ(query);
    if (query.trim()) onSearch(query.trim(), type);
  });

  return (
    <form className="search-field" role="search" aria-label="Search this organization" onSubmit={b.onSubmit}>
      <label className="visually-hidden" htmlFor={b.input.id}>Search for</label>
      <div className="search-field-box">
        <Icon name="search" size={22} />
        <input className="input search-field-input" type="search" placeholder="Names, emails, invoice ids, SKUs…"
               maxLength={1000} aria-describedby={`${id}-hint`} {...b.input} />
        <ul className="suggestions" {...b.list}>
          {items.map((s, i) => (
            <li key={`${s.type}:${s.text}`} {...b.option(i)}>
              <span>{s.text}</span><span className="badge">{kTypeLabels[s.type]?.one ?? s.type}</span>
            </li>
          ))}
        </ul>
      </div>
      <button type="submit" className="btn btn-primary search-field-submit">Search</button>
      {/* Each operator's example is one unbreakable piece (a phone's narrow line broke "-word"
          after its "-"). */}
      <p id={`${id}-hint`} className="subtle search-field-hint">
        Every word must match; the last one also matches as a prefix. Use <code className="search-op">"quotes"</code> for
        a phrase, <code className="search-op">OR</code> for either word, <code className="search-op">-word</code> to
        leave a word out.
      </p>
    </form>
  );
}
