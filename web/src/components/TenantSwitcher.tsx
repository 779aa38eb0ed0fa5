// The organization being looked at. A token for several tenants gets a menu; a token for any
// tenant ("*") gets a field, since no route lists tenants.
import { useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { coversAnyOrganization, organizations, type Claims } from '../auth/session';

export function TenantSwitcher({ current, claims, name }: { current: string; claims: Claims; name?: string }) {
  const navigate = useNavigate();
  const location = useLocation();
  const orgs = organizations(claims).filter((o) => o !== '*');
  const [typed, setTyped] = useState(current);
  // Another organization, same page (and period): only the /o/{org} part changes.
  const go = (org: string) => {
    if (!org || org === current) return;
    const rest = location.pathname.replace(/^\/o\/[^/]+/, '');
    const page = rest.startsWith('/d/') ? '' : rest;  // a shared dashboard belongs to its tenant
    navigate(`/o/${encodeURIComponent(org)}${page}${location.search}`);
  };

  if (coversAnyOrganization(claims)) {
    return (
      <form className="tenant" onSubmit={(e) => { e.preventDefault(); go(typed.trim()); }}>
        <label className="visually-hidden" htmlFor="tenant-input">Organization</label>
        <input id="tenant-input" className="input" value={typed} list="tenant-list"
               onChange={(e) => setTyped(e.target.value)} placeholder="organization id" />
        <datalist id="tenant-list">{orgs.map((o) => <option key={o} value={o} />)}</datalist>
      </form>
    );
  }
  if (orgs.length <= 1) {
    return (
      <div className="tenant" data-org={current}>
        <span className="tenant-name">{name || current}</span>
        {name && name !== current && <span className="subtle mono">{current}</span>}
      </div>
    );
  }
  return (
    <div className="tenant">
      <label className="visually-hidden" htmlFor="tenant-select">Organization</label>
      <select id="tenant-select" className="select" value={current} onChange={(e) => go(e.target.value)}>
        {orgs.map((o) => <option key={o} value={o}>{o === current && name ? `${name} (${o})` : o}</option>)}
      </select>
    </div>
  );
}
