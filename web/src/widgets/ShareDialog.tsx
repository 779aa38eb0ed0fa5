// Share the dashboard read-only with users (token subjects) and roles, and hand out its link
// (/o/{org}/d/{id}), which opens it for those it is shared with.
import { useId, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { useShare, type Dashboard } from '../api/dashboards';
import { Dialog } from '../components/Dialog';

const kRoles = ['admin', 'analyst', 'sales', 'hr', 'finance', 'operations', 'project_manager'];

/** The address of a dashboard in the app, for a share link. */
export function dashboardLink(org: string, id: string, origin = window.location.origin): string {
  return `${origin}/o/${encodeURIComponent(org)}/d/${encodeURIComponent(id)}`;
}

export function ShareDialog({ org, dashboard, onClose }: { org: string; dashboard: Dashboard; onClose: () => void }) {
  const share = useShare(org);
  const [users, setUsers] = useState(dashboard.shared_with.users.join(', '));
  const [roles, setRoles] = useState<string[]>(dashboard.shared_with.roles);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const linkRef = useRef<HTMLInputElement>(null);
  const id = useId();
  const link = dashboardLink(org, dashboard.dashboard_id);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const names = users.split(/[,\s]+/).map((u) => u.trim()).filter(Boolean);
    try {
      await share.mutateAsync({ dashboardId: dashboard.dashboard_id, users: names, roles });
      const whom = [...names, ...roles.map((r) => `every ${r}`)];
      setSaved(whom.length ? `Shared with ${whom.join(', ')}: send them the link above.` : 'No longer shared with anyone.');
    } catch (err) {
      setError(err instanceof ApiError ? err.detail || err.title : 'The server could not be reached.');
    }
  };

  // The clipboard needs a secure context and the user's permission; without it the link is
  // selected for the user to copy themselves.
  const copy = async () => {
    const select = () => { linkRef.current?.focus(); linkRef.current?.select(); };
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(link);
      setCopied('Link copied.');
    } catch {
      select();
      setCopied('The link is selected: press Ctrl+C (⌘C on a Mac) to copy it.');
    }
  };

  return (
    <Dialog title="Share this dashboard" onClose={onClose}
            footer={<>
              <button className="btn" type="button" onClick={onClose}>Close</button>
              <button className="btn btn-primary" type="submit" form="share-form" disabled={share.isPending}>
                {share.isPending ? 'Sharing…' : 'Share'}
              </button>
            </>}>
      <form id="share-form" onSubmit={submit} className="form-grid">
        <p className="muted">People you share with can open the dashboard at its link but not change it. Each sees only the domains their own roles cover.</p>
        <div className="field">
          <label htmlFor={`${id}-link`}>Link</label>
          <div className="share-link">
            <input ref={linkRef} id={`${id}-link`} className="input" readOnly value={link} data-share-link
                   onFocus={(e) => e.currentTarget.select()} />
            <button className="btn" type="button" onClick={copy}>Copy link</button>
          </div>
          <p className="field-hint" role="status">{copied ?? 'Only the people and roles it is shared with can open it.'}</p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-users`}>Users</label>
          <input id={`${id}-users`} className="input" value={users} onChange={(e) => setUsers(e.target.value)}
                 placeholder="ann, bob" aria-describedby={`${id}-users-hint`} />
          <p className="field-hint" id={`${id}-users-hint`}>Token subjects, separated by commas.</p>
        </div>
        <fieldset className="field">
          <legend>Roles</legend>
          <div className="checks">
            {kRoles.map((r) => (
              <label key={r} className="check">
                <input type="checkbox" checked={roles.includes(r)}
                       onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))} />
                {r}
              </label>
            ))}
          </div>
        </fieldset>
        {saved && <div className="alert alert-info" role="status">{saved}</div>}
        {error && <div className="alert alert-error" role="alert">{error}</div>}
      </form>
    </Dialog>
  );
}
