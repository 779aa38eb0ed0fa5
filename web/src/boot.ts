// What must happen before the router exists: main.tsx imports this module first (ES modules
// run in the order they are imported) and makes the router later. Making the router runs the
// first page's loaders, and they start that page's requests only for a signed-in reader: the
// demo's `#token=` link must have been read by then, or a page opened from the link waits for
// its code and its first render before it asks for anything (on a phone on slow 4G, a round
// trip later for every number).
import { consumeTokenFragment, signOut } from './auth/session';
import { applyTheme, storedTheme } from './components/theme';

// The link carries the token in the fragment: store it and clean the address before anything
// renders (and before any request could leak it in a Referer).
const fromLink = consumeTokenFragment();
if (typeof fromLink === 'string') signOut(fromLink);
applyTheme(storedTheme());
