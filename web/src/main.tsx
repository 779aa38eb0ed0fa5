// First: the sign-in link's token and the theme, before the router is made (boot.ts says why).
import './boot';
import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { queryClient } from './api/queryClient';
import { RouterProvider } from 'react-router';
import { createAppRouter } from './router';
import { inOwnTask } from './tasks';
import './styles/tokens.css';
import './styles/base.css';
import './styles/components.css';
import './styles/shell.css';

// The router (its loaders start the first page's requests) and the first render, in a task of
// their own after the modules' evaluation. The first render is a transition: React renders it
// in slices and yields between them, so the page answers input while it builds (a phone's CPU
// takes hundreds of milliseconds).
inOwnTask(() => {
  const router = createAppRouter();
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
});

// The browser's first use of Intl loads its locale and time-zone data: ~30 ms on a desktop,
// ~130 ms on a phone, in one piece. Done here, before the numbers arrive, it is not a pause in
// the middle of drawing them, where every page would otherwise pay it (formatting money,
// reading the tenant's time zone). It runs in tasks of its own, after the loaders' tasks that
// send the first requests, while those are on their way: inside the module evaluation it made
// that task twice as long (a tap waits for the whole task). These are the formats the pages
// use first.
inOwnTask(() => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', timeZoneName: 'longOffset' }).format(0);
  } catch {
    // Only an optimization: an engine without 'longOffset' starts the app all the same.
  }
});
inOwnTask(() => { new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' }).format(0); });
