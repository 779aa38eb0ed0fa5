// What the top bar's search box and the search page's field share: a text field with
// completions of its last word as an ARIA combobox (↑/↓ choose, Enter takes the chosen one or
// the text, Escape closes the list, a click takes a completion), and the debounce of the text
// sent for completions.
import { useEffect, useState, type KeyboardEvent } from 'react';

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

export interface Completion { text: string; type: string }

/**
 * The combobox's state. `items` are the completions shown (none while closed); `take` is
 * called with the query to run: the text, or the text completed by the chosen item, and that
 * item's type.
 */
export function useCombobox<C extends Completion>(id: string, initial: string, options: {
  openOnFocus?: boolean;
}) {
  const [q, setQ] = useState(initial);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);

  return {
    q, setQ, open,
    /** Props of the form, its input, its list and each option, for the `items` shown now. */
    bind(items: readonly C[], take: (query: string, type?: C['type']) => void) {
      const choose = (query: string, type?: C['type']) => {
        setOpen(false);
        setActive(-1);
        take(query, type);
      };
      return {
        onSubmit: (e: { preventDefault(): void }) => {
          e.preventDefault();
          if (active >= 0 && items[active]) choose(complete(q, items[active].text), items[active].type);
          else choose(q);
        },
        input: {
          id: `${id}-q`, value: q, autoComplete: 'off', role: 'combobox' as const,
          'aria-expanded': items.length > 0, 'aria-controls': `${id}-list`, 'aria-autocomplete': 'list' as const,
          'aria-activedescendant': active >= 0 && items[active] ? `${id}-opt-${active}` : undefined,
          onChange: (e: { target: { value: string } }) => { setQ(e.target.value); setOpen(true); setActive(-1); },
          onFocus: options.openOnFocus ? () => setOpen(true) : undefined,
          onBlur: () => window.setTimeout(() => setOpen(false), 150),
          onKeyDown: (e: KeyboardEvent<HTMLInputElement>) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setOpen(true);
              setActive((a) => Math.min(a + 1, items.length - 1));
            } else if (e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((a) => Math.max(a - 1, -1));
            } else if (e.key === 'Escape' && items.length > 0) {
              // Only the list: with none open, Escape keeps the field's own meaning (clear).
              e.preventDefault();
              setOpen(false);
              setActive(-1);
            }
          },
        },
        list: { id: `${id}-list`, role: 'listbox' as const, hidden: items.length === 0, 'aria-label': 'Suggestions' },
        option: (i: number) => ({
          id: `${id}-opt-${i}`, role: 'option' as const, 'aria-selected': i === active,
          'data-suggestion': items[i].text,
          onMouseDown: (e: { preventDefault(): void }) => {
            e.preventDefault();
            choose(complete(q, items[i].text), items[i].type);
          },
        }),
      };
    },
  };
}
