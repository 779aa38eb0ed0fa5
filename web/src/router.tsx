// Routes. Pages are loaded on demand so the first screen ships only what it needs.
import { createBrowserRouter, Navigate } from 'react-router';
import { Shell } from './components/Shell';
import { SignInPage } from './pages/SignInPage';
import { RequireSession, HomeRedirect } from './components/RequireSession';
import { NotFoundPage } from './pages/NotFoundPage';
import { LoadingState } from './components/States';

export const router = createBrowserRouter([
  { path: '/signin', element: <SignInPage /> },
  { path: '/', element: <RequireSession><HomeRedirect /></RequireSession> },
  {
    path: '/o/:org',
    element: <RequireSession><Shell /></RequireSession>,
    hydrateFallbackElement: <LoadingState />,
    children: [
      { index: true, lazy: async () => ({ Component: (await import('./pages/DashboardPage')).DashboardPage }) },
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
