// Routes. Pages are loaded on demand so the first screen ships only what it needs.
import { createBrowserRouter, Navigate } from 'react-router';
import { Shell } from './components/Shell';
import { SignInPage } from './pages/SignInPage';
import { RequireSession, HomeRedirect } from './components/RequireSession';
import { NotFoundPage } from './pages/NotFoundPage';
import { LoadingState } from './components/States';
import { DashboardPage } from './pages/DashboardPage';
import { queryClient } from './api/queryClient';
import { tenantQuery } from './api/tenant';
import { dashboardQuery } from './api/dashboards';
import { isExpired, loadSession } from './auth/session';

/** Starts a page's requests early when signed in; never waits for them (the page shows its own loading state). */
function prefetch(start: () => unknown): null {
  const session = loadSession();
  if (session && !isExpired(session.claims)) start();
  return null;
}

export const router = createBrowserRouter([
  { path: '/signin', element: <SignInPage /> },
  { path: '/', element: <RequireSession><HomeRedirect /></RequireSession> },
  {
    path: '/o/:org',
    element: <RequireSession><Shell /></RequireSession>,
    hydrateFallbackElement: <LoadingState />,
    loader: ({ params }) => prefetch(() => queryClient.prefetchQuery(tenantQuery(params.org ?? ''))),
    children: [
      {
        index: true,
        element: <DashboardPage />,
        // The dashboard is fetched beside the tenant's settings, not after. ECharts is not:
        // it loads when the first chart mounts, so its evaluation never delays the numbers
        // (measured: numbers ~150 ms sooner, charts drawn no later; bench/RESULTS.md).
        loader: ({ params }) => prefetch(() => queryClient.prefetchQuery(dashboardQuery(params.org ?? ''))),
      },
      { path: 'dashboard', element: <Navigate to=".." relative="path" replace /> },
      { path: 'analytics/:domain', lazy: async () => ({ Component: (await import('./pages/DomainPage')).DomainPage }) },
      { path: 'reports', lazy: async () => ({ Component: (await import('./pages/ReportsPage')).ReportsPage }) },
      { path: 'search', lazy: async () => ({ Component: (await import('./pages/SearchPage')).SearchPage }) },
      { path: 'operations', lazy: async () => ({ Component: (await import('./pages/OperationsPage')).OperationsPage }) },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
  { path: '*', element: <NotFoundPage /> },
]);
