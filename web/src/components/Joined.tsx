// Parts of one line of text joined by " · " (a name, a state, "as of 3 s ago"). Empty parts are
// left out, so no separator dangles at either end; each separator is bound to the part after
// it by a no-break space, so a line that wraps never ends in "·" (it may start with one). The
// parts are one inline box: in a flex line they wrap as text, not as separate items.
import { Fragment, type ReactNode } from 'react';

/** A part that is null, undefined, false or '' is left out (with its separator). */
export function Joined({ parts, className }: { parts: readonly ReactNode[]; className?: string }) {
  const shown = parts.filter((p) => p !== null && p !== undefined && p !== false && p !== '');
  return (
    <span className={className}>
      {shown.map((p, i) => <Fragment key={i}>{i > 0 && ' ·\u00a0'}{p}</Fragment>)}
    </span>
  );
}
