import { describe, expect, it } from 'vitest';
import { parseSnippet, snippetText, unescapeHtml } from './snippet';

describe('parseSnippet', () => {
  it('splits the server example into text and matches', () => {
    expect(parseSnippet('Ada <mark>Lovelace</mark> · ada@example.com · Analytical Engines')).toEqual([
      { text: 'Ada ', mark: false },
      { text: 'Lovelace', mark: true },
      { text: ' · ada@example.com · Analytical Engines', mark: false },
    ]);
  });

  it('reads several matches, one at the start and one at the end', () => {
    expect(parseSnippet('<mark>James</mark> Smith · james.<mark>smith</mark>')).toEqual([
      { text: 'James', mark: true },
      { text: ' Smith · james.', mark: false },
      { text: 'smith', mark: true },
    ]);
  });

  it('decodes the escaped text, so markup in the data stays text', () => {
    const parts = parseSnippet('&lt;script&gt;alert(1)&lt;/script&gt; &amp; <mark>O&#39;Brien</mark> &quot;x&quot;');
    expect(parts).toEqual([
      { text: '<script>alert(1)</script> & ', mark: false },
      { text: "O'Brien", mark: true },
      { text: ' "x"', mark: false },
    ]);
  });

  it('keeps unknown markup and references as visible text', () => {
    expect(parseSnippet('<b>bold</b> &bogus; &#xZZ;')).toEqual([{ text: '<b>bold</b> &bogus; &#xZZ;', mark: false }]);
  });

  it('tolerates unbalanced marks', () => {
    expect(parseSnippet('a</mark>b')).toEqual([{ text: 'ab', mark: false }]);
    expect(parseSnippet('a<mark>b<mark>c</mark>d')).toEqual([
      { text: 'a', mark: false }, { text: 'bc', mark: true }, { text: 'd', mark: false },
    ]);
    expect(parseSnippet('a<mark>b')).toEqual([{ text: 'a', mark: false }, { text: 'b', mark: true }]);
    expect(parseSnippet('<MARK>x</MARK>')).toEqual([{ text: 'x', mark: true }]);
  });

  it('leaves out empty parts', () => {
    expect(parseSnippet('')).toEqual([]);
    expect(parseSnippet('<mark></mark>x')).toEqual([{ text: 'x', mark: false }]);
  });

  it('gives the plain text', () => {
    expect(snippetText('Ada <mark>Love&amp;lace</mark>')).toBe('Ada Love&lace');
  });
});

describe('unescapeHtml', () => {
  it('decodes named, decimal and hex references', () => {
    expect(unescapeHtml('&amp;&lt;&gt;&quot;&apos;&#65;&#x42;&#x1F600;')).toBe('&<>"\'AB😀');
  });
  it('does not decode twice', () => {
    expect(unescapeHtml('&amp;lt;')).toBe('&lt;');
  });
  it('leaves invalid code points alone', () => {
    expect(unescapeHtml('&#0; &#xD800; &#1114112;')).toBe('&#0; &#xD800; &#1114112;');
  });
});
