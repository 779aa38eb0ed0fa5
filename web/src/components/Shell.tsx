// The frame of every signed-in page: navigation (only what the token's roles may read), the
// tenant switcher, global search, theme and sign-out. Pages render in <Outlet/> inside the
// tenant context, so they format numbers in the tenant's currency and time zone.
import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { Navigate, NavLink, Outlet, useLocation, useNavigate, useParams } from 'react-router';
import { setUnauthorizedHandler } from '../api/client';
import { browserLocale, TenantContext, useTenantSettings } from '../api/tenant';
import { canReadCross, isAdmin, kDomainLabels, readableDomains } from '../auth/roles';
import { coversAnyOrganization, loadSession, organizations, rememberOrg, signOut } from '../auth/session';
import { ErrorState, LoadingState } from './States';
import { SearchBox } from './SearchBox';
import { TenantSwitcher } from './TenantSwitcher';
import { ThemeToggle } from './ThemeToggle';
import { Icon } from './Icon';

export function Shell() {
  const { org = '' } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const session = loadSession()!;
  const roles = session.claims.roles;
  const [menuOpen, setMenuOpen] = useState(false);

  // A 401 from any request, or the token's expiry, ends the session with a message.
  useEffect(() => {
    setUnauthorizedHandler(() => navigate('/signin', { replace: true }));
    const exp = session.claims.exp;
    if (exp === undefined) return;
    const ms = exp * 1000 - Date.now();
    const timer = window.setTimeout(() => {
      signOut('Your token has expired. Paste a new one to go on.');
      navigate('/signin', { replace: true });
    }, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    return () => window.clearTimeout(timer);
  }, [navigate, session.claims.exp]);

  useEffect(() => rememberOrg(org), [org]);

  // The phone menu closes with Escape, like a dialog.
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') setMenuOpen(false); };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [menuOpen]);

  const settings = useTenantSettings(org);
  // The page is drawn with the settings in a transition (React renders it in slices and
  // yields between them): a query's answer is a synchronous re-render of whoever reads it, and
  // the settings' arrival draws the whole page below (its numbers, when the loaders fetched them
  // meanwhile), which was one long task.
  const tenant = useDeferredValue(useMemo(
    () => (settings.data ? { ...settings.data, locale: browserLocale() } : null),
    [settings.data],
  ));
  const orgAllowed = coversAnyOrganization(session.claims) || organizations(session.claims).includes(org);
  const domains = readableDomains(roles);
  const base = `/o/${encodeURIComponent(org)}`;
  const link = ({ isActive }: { isActive: boolean }) => (isActive ? 'nav-link active' : 'nav-link');

  // One address per page: `/o/acme-corp/` is `/o/acme-corp` (the router matches both, but the
  // navigation's links compare addresses, and Dashboard's `end` would not match the slash).
  const trimmed = withoutTrailingSlash(location.pathname);
  if (trimmed !== location.pathname) {
    return <Navigate replace to={{ pathname: trimmed, search: location.search, hash: location.hash }} />;
  }

  return (
    <div className={menuOpen ? 'shell menu-open' : 'shell'}>
      <a className="skip-link" href="#main">Skip to content</a>
      <aside className="sidebar" aria-label="Main navigation">
        <div className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>readside</span>
          <button className="btn btn-ghost btn-icon menu-close" aria-label="Close the menu"
                  onClick={() => setMenuOpen(false)}><Icon name="close" /></button>
        </div>
        <nav onClick={() => setMenuOpen(false)}>
          <NavLink to={base} end className={link}><Icon name="grid" />Dashboard</NavLink>
          <div className="nav-group" role="presentation">Analytics</div>
          {domains.map((d) => (
            <NavLink key={d} to={`${base}/analytics/${d}`} className={link}>
              <Icon name={d} />{kDomainLabels[d]}
            </NavLink>
          ))}
          {canReadCross(roles) && (
            <NavLink to={`${base}/analytics/cross`} className={link}><Icon name="cross" />Cross-service</NavLink>
          )}
          <div className="nav-group" role="presentation">Work</div>
          <NavLink to={`${base}/reports`} className={link}><Icon name="report" />Reports</NavLink>
          <NavLink to={`${base}/search`} className={link}><Icon name="search" />Search</NavLink>
          {isAdmin(roles) && (
            <NavLink to={`${base}/operations`} className={link}><Icon name="ops" />Operations</NavLink>
          )}
        </nav>
        <div className="sidebar-foot">
          <span className="subtle" title="Signed in as">{session.claims.sub ?? 'signed in'}</span>
          <span className="subtle">{roles.join(', ') || 'no roles'}</span>
        </div>
      </aside>
      {menuOpen && <div className="backdrop" aria-hidden="true" onClick={() => setMenuOpen(false)} />}
      <div className="main-col">
        <header className="topbar">
          <button className="btn btn-ghost btn-icon menu-button" aria-label="Menu"
                  aria-expanded={menuOpen} onClick={() => setMenuOpen((o) => !o)}>
            <Icon name="menu" />
          </button>
          <TenantSwitcher current={org} claims={session.claims} name={tenant?.name} />
          <div className="topbar-search"><SearchBox org={org} /></div>
          <div className="topbar-actions">
            <ThemeToggle />
            <button className="btn btn-ghost btn-sm" onClick={() => { signOut(); navigate('/signin'); }}>
              Sign out
            </button>
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          {!orgAllowed ? (
            <ErrorState title="Not your organization"
                        detail={`This token does not cover “${org}”. Choose one of yours above.`} />
          ) : settings.isError ? (
            <ErrorState title="This organization could not be opened" error={settings.error}
                        retry={() => settings.refetch()} />
          ) : !tenant ? (
            <LoadingState label="Opening the organization…" />
          ) : (
            <TenantContext.Provider value={tenant}>
              <Outlet />
            </TenantContext.Provider>
          )}
        </main>
      </div>
    </div>
  );
}

/** `pathname` without trailing slashes (`/o/acme-corp/` → `/o/acme-corp`); `/` stays `/`. */
export function withoutTrailingSlash(pathname: string): string {
  const trimmed = pathname.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}
