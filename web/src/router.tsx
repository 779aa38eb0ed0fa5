// Routes. Pages are loaded on demand so the first screen ships only what it needs. A route that
// fails (a page that throws, a page's code that cannot be loaded) shows an error screen with a
// Reload button instead of the router's bare default.
import { useEffect, useState, type ComponentType } from 'react';
import { createBrowserRouter, isRouteErrorResponse, Link, Navigate, useRouteError } from 'react-router';
import { Shell } from './components/Shell';
import { SignInPage } from './pages/SignInPage';
import { RequireSession, HomeRedirect } from './components/RequireSession';
import { NotFoundPage } from './pages/NotFoundPage';
import { ErrorState, LoadingState } from './components/States';
import { DashboardPage, SharedDashboardPage } from './pages/DashboardPage';
import { queryClient } from './api/queryClient';
import { tenantQuery } from './api/tenant';
import { dashboardByIdQuery, dashboardQuery } from './api/dashboards';
import { isExpired, loadSession } from './auth/session';
import { sectionQuery, trends } from './api/analytics';
import { kSectionRoutes } from './api/catalog';
import { canRead, canReadCross, type Domain, type Source } from './auth/roles';
import { currentPeriod, granularityOf, periodOf, shiftPeriod } from './format/period';
import { inOwnTask } from './tasks';

/**
 * Starts a page's requests early when signed in; never waits for them (the page shows its own
 * loading state). In a task of its own, ahead of other queued work: not a part of the task that
 * makes the router (or of any other).
 */
function prefetch(start: () => unknown): null {
  const session = loadSession();
  if (session && !isExpired(session.claims)) {
    // A failed prefetch is the page's to report (its own query fails the same way).
    inOwnTask(() => { Promise.resolve().then(start).catch(() => {}); }, 'soon');
  }
  return null;
}

/** A page's code that could not be loaded: after a rebuild, an open tab asks for chunks that
 *  are gone (Chrome, Firefox and Safari word it differently). */
export function isChunkLoadError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  return /Failed to fetch dynamically imported module|error loading dynamically imported module|Importing a module script failed|Unable to preload CSS/i
    .test(message);
}

const kChunkReloadKey = 'readside.chunk-reload';
const kChunkReloadQuietMs = 30_000;

/** Whether an automatic reload may happen now: not within 30 s of the last one. */
export function mayReloadForNewBuild(storage: Storage = sessionStorage, now = Date.now()): boolean {
  return now - Number(storage.getItem(kChunkReloadKey) ?? 0) >= kChunkReloadQuietMs;
}

/**
 * Reloads the page once to fetch the new build's index.html. Guarded by the time of the last
 * automatic reload in sessionStorage: a chunk that still fails right after one is a real error
 * (shown, not reloaded again), so this never loops. Returns whether it reloads.
 */
export function reloadForNewBuild(storage: Storage = sessionStorage, now = Date.now(),
                                  reload: () => void = () => window.location.reload()): boolean {
  if (!mayReloadForNewBuild(storage, now)) return false;
  storage.setItem(kChunkReloadKey, String(now));
  reload();
  return true;
}

/** The error screen of a route: what failed, and a Reload button. */
export function RouteError({ error: given }: { error?: unknown }) {
  const routeError = useRouteError();
  const error = given ?? routeError;
  const chunk = isChunkLoadError(error);
  const [reloading] = useState(() => chunk && mayReloadForNewBuild());
  useEffect(() => {
    if (reloading) reloadForNewBuild();
  }, [reloading]);
  if (reloading) {
    return <div className="page"><LoadingState label="A new version of readside is out: loading it…" /></div>;
  }
  const title = chunk ? 'This page could not be loaded'
    : isRouteErrorResponse(error) && error.status === 404 ? 'Page not found' : 'Something went wrong';
  const detail = chunk
    ? 'Its code is not on the server (readside may have been updated or restarted). Reload to get the current version.'
    : isRouteErrorResponse(error) ? `${error.status} ${error.statusText}`
    : error instanceof Error ? error.message : 'The page failed in an unexpected way.';
  return (
    <div className="page">
      <ErrorState title={title} detail={detail} />
      <div className="state">
        <div className="actions">
          <button className="btn btn-primary" onClick={() => window.location.reload()}>Reload</button>
          <Link className="btn" to="/" reloadDocument>Go to the dashboard</Link>
        </div>
      </div>
    </div>
  );
}

const errorElement = <RouteError />;

/**
 * A page loaded on demand. A failed load becomes a page showing the error (and reloading once
 * for a new build) rather than a rejected `lazy`: react-router (7.18) leaves a route whose
 * `lazy` rejected marked lazy and then renders nothing below its parent, not its errorElement.
 */
function lazyPage<M>(load: () => Promise<M>, pick: (m: M) => ComponentType) {
  return async () => {
    try {
      return { Component: pick(await load()) };
    } catch (error) {
      return { Component: () => <RouteError error={error} /> };
    }
  };
}

/**
 * The app's router. Made by main.tsx in a task of its own, after the modules have run: making
 * it starts the first page's loaders (and so its requests), and the module evaluation is one
 * long task already.
 */
export const createAppRouter = () => createBrowserRouter([{
  // The last resort for anything the routes below do not catch.
  errorElement,
  children: [
    { path: '/signin', element: <SignInPage /> },
    { path: '/', element: <RequireSession><HomeRedirect /></RequireSession>, errorElement },
    {
      path: '/o/:org',
      element: <RequireSession><Shell /></RequireSession>,
      errorElement,
      hydrateFallbackElement: <LoadingState />,
      loader: ({ params }) => prefetch(() => queryClient.prefetchQuery(tenantQuery(params.org ?? ''))),
      children: [
        {
          index: true,
          element: <DashboardPage />,
          errorElement,
          // The dashboard is fetched beside the tenant's settings, not after. ECharts is not:
          // it loads when the first chart mounts, so its evaluation never delays the numbers
          // (measured: numbers ~150 ms sooner, charts drawn no later; bench/RESULTS.md).
          loader: ({ params }) => prefetch(() => queryClient.prefetchQuery(dashboardQuery(params.org ?? ''))),
        },
        {
          // A dashboard by id: the link a share hands out. Read-only unless the reader owns it.
          path: 'd/:id',
          element: <SharedDashboardPage />,
          errorElement,
          loader: ({ params }) => prefetch(() => queryClient.prefetchQuery(dashboardByIdQuery(params.org ?? '', params.id ?? ''))),
        },
        { path: 'dashboard', element: <Navigate to=".." relative="path" replace /> },
        {
          path: 'analytics/:domain',
          errorElement,
          lazy: lazyPage(() => import('./pages/DomainPage'), (m) => m.DomainPage),
          // The period's numbers (the previous period's, the trends) are fetched while the page's
          // code loads.
          loader: ({ params, request }) => prefetch(async () => {
            const org = params.org ?? '';
            const source = params.domain as Source;
            const roles = loadSession()?.claims.roles ?? [];
            if (!(source in kSectionRoutes)) return;
            if (source === 'cross' ? !canReadCross(roles) : !canRead(roles, source as Domain)) return;
            const asked = new URL(request.url).searchParams.get('period');
            const numbers = (period: string) => {
              void queryClient.prefetchQuery(sectionQuery(org, source, period));
              void queryClient.prefetchQuery(sectionQuery(org, source, shiftPeriod(period, -1)));
              for (const t of trends(org, source, period, roles)) void queryClient.prefetchQuery(t.query);
            };
            // The current month is the tenant's, in its time zone, and that is the reader's month
            // too, but for a few hours around the turn of a month when they are zones apart. So
            // the reader's month is asked for at once, beside the tenant's settings rather than
            // after them (a round trip sooner, on a phone on slow 4G some 300 ms), and the
            // tenant's month once its time zone is known, if it differs.
            const guess = asked && granularityOf(asked) ? asked : periodOf(new Date(), 'month');
            numbers(guess);
            const tenant = await queryClient.ensureQueryData(tenantQuery(org));
            const period = asked && granularityOf(asked) ? asked : currentPeriod('month', tenant.timezone);
            if (period !== guess) numbers(period);
          }),
        },
        { path: 'reports', errorElement, lazy: lazyPage(() => import('./pages/ReportsPage'), (m) => m.ReportsPage) },
        { path: 'search', errorElement, lazy: lazyPage(() => import('./pages/SearchPage'), (m) => m.SearchPage) },
        { path: 'operations', errorElement, lazy: lazyPage(() => import('./pages/OperationsPage'), (m) => m.OperationsPage) },
        { path: '*', element: <NotFoundPage /> },
      ],
    },
    { path: '*', element: <NotFoundPage /> },
  ],
}]);
