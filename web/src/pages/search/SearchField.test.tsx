import { render } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SearchField } from './SearchField';

describe('the search field’s hint', () => {
  it('writes each operator’s example as one piece that a narrow line cannot break ("-⏎word")', () => {
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const { container } = render(
      <QueryClientProvider client={qc}><SearchField org="acme-corp" initial="" types={[]} onSearch={() => {}} /></QueryClientProvider>,
    );
    const hint = container.querySelector('.search-field-hint')!;
    const ops = [...hint.querySelectorAll('code')];
    expect(ops.map((c) => c.textContent)).toEqual(['"quotes"', 'OR', '-word']);
    expect(ops.every((c) => c.classList.contains('search-op'))).toBe(true);
    // search.css keeps each of them on one line (Vitest does not load CSS into jsdom: it is read).
    const css = readFileSync(path.join(__dirname, 'search.css'), 'utf8');
    expect(css.replace(/\s+/g, ' ')).toMatch(/\.search-op \{[^}]*white-space: nowrap;/);
    expect(hint.textContent!.replace(/\s+/g, ' ')).toBe('Every word must match; the last one also matches as a prefix. '
      + 'Use "quotes" for a phrase, OR for either word, -word to leave a word out.');
  });
});
