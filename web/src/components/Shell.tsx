// The frame of every signed-in page: navigation (only what the token's roles may read), the
// tenant switcher, global search, theme and sign-out. Pages render in <Outlet/> inside the
// tenant context, so they format numbers in the tenant's currency and time zone.
import { useDeferredValue, useEffect, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
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
  const menuButton = useRef<HTMLButtonElement>(null);
  const sidebar = useRef<HTMLElement>(null);
  // Where the focus goes once the menu has closed (after the commit that lifts `inert`, since
  // an inert element cannot take the focus): the Menu button (Escape, Close, the backdrop), the
  // page (a link was followed), or nowhere (the window grew past the phone layout).
  const focusAfterClose = useRef<'button' | 'main' | null>(null);
  const closeMenu = (focus: 'button' | 'main' | null) => {
    focusAfterClose.current = focus;
    setMenuOpen(false);
  };

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

  // The phone menu is modal, like a dialog: opened, it takes the focus (its first link), the
  // page behind it is inert (the keyboard and screen readers cannot reach it) and Tab goes round
  // the menu's controls (menuKeyDown); Escape closes it and gives the focus back to the Menu
  // button. A window that grows past the phone layout closes it too: the sidebar is then always
  // shown, and the page must not stay inert.
  useEffect(() => {
    if (!menuOpen) {
      const target = focusAfterClose.current;
      focusAfterClose.current = null;
      if (target === 'button') menuButton.current?.focus();
      else if (target === 'main') document.getElementById('main')?.focus();
      return;
    }
    sidebar.current?.querySelector<HTMLElement>('nav a[href]')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') closeMenu('button');
    };
    window.addEventListener('keydown', onKey);
    const phone = window.matchMedia?.(kPhoneLayout);
    const onWidth = () => { if (!phone?.matches) closeMenu(null); };
    phone?.addEventListener?.('change', onWidth);
    return () => {
      window.removeEventListener('keydown', onKey);
      phone?.removeEventListener?.('change', onWidth);
    };
  }, [menuOpen]);

  /** Tab and Shift+Tab go round the open menu's controls instead of leaving it. */
  const menuKeyDown = (e: ReactKeyboardEvent) => {
    if (!menuOpen || e.key !== 'Tab' || !sidebar.current) return;
    const controls = [...sidebar.current.querySelectorAll<HTMLElement>('a[href], button:not([disabled])')]
      .filter((c) => getComputedStyle(c).display !== 'none');
    if (controls.length === 0) return;
    const first = controls[0];
    const last = controls[controls.length - 1];
    if (e.shiftKey && (document.activeElement === first || !sidebar.current.contains(document.activeElement))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (document.activeElement === last || !sidebar.current.contains(document.activeElement))) {
      e.preventDefault();
      first.focus();
    }
  };

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
      <a className="skip-link" href="#main" inert={menuOpen}>Skip to content</a>
      <aside className="sidebar" aria-label="Main navigation" ref={sidebar} onKeyDown={menuKeyDown}>
        <div className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>readside</span>
          <button className="btn btn-ghost btn-icon menu-close" aria-label="Close the menu"
                  onClick={() => closeMenu('button')}><Icon name="close" /></button>
        </div>
        {/* A link followed from the open menu: the focus goes to the page it opens. */}
        <nav onClick={(e) => { if (menuOpen && (e.target as Element).closest('a')) closeMenu('main'); }}>
          <NavLink to={base} end className={link}><Icon name="grid" />Dashboard</NavLink>
          {domains.length > 0 && <div className="nav-group" role="presentation">Analytics</div>}
          {domains.map((d) => (
            <NavLink key={d} to={`${base}/analytics/${d}`} className={link}>
              <Icon name={d} />{kDomainLabels[d]}
            </NavLink>
          ))}
          {canReadCross(roles) && (
            <NavLink to={`${base}/analytics/cross`} className={link}><Icon name="cross" />Cross-service</NavLink>
          )}
          {/* Reports and search are of the domains' data (a report needs its domain's role, a
              hit type its domain's: api.md "Auth"): a token that reads no domain has neither. */}
          {/* (An admin reads every domain, so Operations is never alone under Work.) */}
          {domains.length > 0 && <>
            <div className="nav-group" role="presentation">Work</div>
            <NavLink to={`${base}/reports`} className={link}><Icon name="report" />Reports</NavLink>
            <NavLink to={`${base}/search`} className={link}><Icon name="search" />Search</NavLink>
          </>}
          {isAdmin(roles) && (
            <NavLink to={`${base}/operations`} className={link}><Icon name="ops" />Operations</NavLink>
          )}
        </nav>
        <div className="sidebar-foot">
          <span className="subtle" title="Signed in as">{session.claims.sub ?? 'signed in'}</span>
          <span className="subtle">{roles.join(', ') || 'no roles'}</span>
        </div>
      </aside>
      {menuOpen && <div className="backdrop" aria-hidden="true" onClick={() => closeMenu('button')} />}
      <div className="main-col" inert={menuOpen}>
        <header className="topbar">
          <button className="btn btn-ghost btn-icon menu-button" aria-label="Menu" ref={menuButton}
                  aria-expanded={menuOpen} onClick={() => setMenuOpen((o) => !o)}>
            <Icon name="menu" />
          </button>
          <TenantSwitcher current={org} claims={session.claims} name={tenant?.name} />
          {domains.length > 0 && <div className="topbar-search"><SearchBox org={org} /></div>}
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

/** The phone layout, in which the navigation is a menu over the page (shell.css). */
const kPhoneLayout = '(max-width: 900px)';

/** `pathname` without trailing slashes (`/o/acme-corp/` → `/o/acme-corp`); `/` stays `/`. */
export function withoutTrailingSlash(pathname: string): string {
  const trimmed = pathname.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}
