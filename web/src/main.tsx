import { StrictMode } from 'react';
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


createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
