import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { queryClient } from './api/queryClient';
import { RouterProvider } from 'react-router';
import { consumeTokenFragment, signOut } from './auth/session';
import { applyTheme, storedTheme } from './components/theme';
import { router } from './router';
import './styles/tokens.css';
import './styles/base.css';
import './styles/components.css';
import './styles/shell.css';

// The demo's sign-in link carries the token in the fragment: store it and clean the address
// before anything renders (and before any request could leak it in a Referer).
const fromLink = consumeTokenFragment();
if (typeof fromLink === 'string') signOut(fromLink);
applyTheme(storedTheme());

// The browser's first use of Intl loads its locale and time-zone data: ~30 ms of one task on
// a desktop, ~130 ms on a phone. Done here, before the first paint, it is not a pause in the
// middle of drawing the numbers, where every page would otherwise pay it (formatting money,
// reading the tenant's time zone). These are the formats the pages use first.
try {
  new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', timeZoneName: 'longOffset' }).format(0);
  new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' }).format(0);
} catch {
  // Only an optimization: an engine without 'longOffset' starts the app all the same.
}

// The first render as a transition: React renders it in slices and yields between them, so
// the page answers input while it builds (a phone's CPU takes hundreds of milliseconds).
const root = createRoot(document.getElementById('root')!);
startTransition(() => {
  root.render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </StrictMode>,
  );
});
