import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { isExpired, loadSession, organizations, rememberedOrg, signOut } from '../auth/session';

/** Renders its children only with a live session; otherwise sends the user to sign-in. */
export function RequireSession({ children }: { children: ReactNode }) {
  const location = useLocation();
  const session = loadSession();
  if (!session) {
    return <Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />;
  }
  if (isExpired(session.claims)) {
    signOut('Your token has expired. Paste a new one to go on.');
    return <Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />;
  }
  return <>{children}</>;
}

/** `/`: the dashboard of the tenant last used, else the token's first. */
export function HomeRedirect() {
  const session = loadSession()!;
  const orgs = organizations(session.claims).filter((o) => o !== '*');
  const remembered = rememberedOrg();
  const org = remembered && (orgs.includes(remembered) || orgs.length === 0) ? remembered : orgs[0];
  if (!org) return <Navigate to="/signin" replace state={{ chooseOrg: true }} />;
  return <Navigate to={`/o/${encodeURIComponent(org)}`} replace />;
}
