// Renders a hit's snippet as text, with the server's matches in <mark> (see snippet.ts).
import { useMemo } from 'react';
import { parseSnippet } from './snippet';

export function Snippet({ html }: { html: string }) {
  const parts = useMemo(() => parseSnippet(html), [html]);
  return (
    <p className="hit-snippet">
      {parts.map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </p>
  );
}
