// A search hit's snippet as the server sends it: the entity's text, HTML-escaped, with the
// matches wrapped in <mark>…</mark> (docs/openapi.json SearchHit.snippet). It is never handed
// to the DOM as HTML: it is cut into plain-text pieces, each flagged as a match or not, and
// React renders them as text (matches inside <mark>). Any other markup stays visible text.

export interface SnippetPart {
  text: string;
  mark: boolean;
}

const kNamed: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes the character references an HTML escaper produces; anything else is left as it is. */
export function unescapeHtml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return whole;
      return String.fromCodePoint(code);
    }
    const named = kNamed[ref.toLowerCase()];
    return named ?? whole;
  });
}

/**
 * Splits a snippet into text and matches. Marks do not nest: a stray `</mark>` outside a match,
 * or a `<mark>` inside one, is dropped; an unclosed `<mark>` marks up to the end. Adjacent parts
 * of the same kind are merged and empty parts left out.
 */
export function parseSnippet(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const push = (raw: string, mark: boolean) => {
    if (!raw) return;
    const text = unescapeHtml(raw);
    const last = parts[parts.length - 1];
    if (last && last.mark === mark) last.text += text;
    else parts.push({ text, mark });
  };
  const re = /<(\/?)mark>/gi;
  let inMark = false;
  let at = 0;
  for (let m = re.exec(snippet); m; m = re.exec(snippet)) {
    push(snippet.slice(at, m.index), inMark);
    at = m.index + m[0].length;
    const closing = m[1] === '/';
    if (closing && inMark) inMark = false;
    else if (!closing && !inMark) inMark = true;
  }
  push(snippet.slice(at), inMark);
  return parts;
}

/** The snippet as plain text (for titles and screen-reader labels). */
export function snippetText(snippet: string): string {
  return parseSnippet(snippet).map((p) => p.text).join('');
}
