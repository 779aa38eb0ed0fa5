// Share the dashboard read-only with users (token subjects) and roles.
import { useState } from 'react';
import { ApiError } from '../api/client';
import { useShare, type Dashboard } from '../api/dashboards';
import { Dialog } from '../components/Dialog';

const kRoles = ['admin', 'analyst', 'sales', 'hr', 'finance', 'operations', 'project_manager'];

export function ShareDialog({ org, dashboard, onClose }: { org: string; dashboard: Dashboard; onClose: () => void }) {
  const share = useShare(org);
  const [users, setUsers] = useState(dashboard.shared_with.users.join(', '));
  const [roles, setRoles] = useState<string[]>(dashboard.shared_with.roles);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      await share.mutateAsync({
        dashboardId: dashboard.dashboard_id,
        users: users.split(/[,\s]+/).map((u) => u.trim()).filter(Boolean),
        roles,
      });
      onClose();
    } catch (err) {
      setError(err instanceof ApiError ? err.detail || err.title : 'The server could not be reached.');
    }
  };
  return (
    <Dialog title="Share this dashboard" onClose={onClose}
            footer={<>
              <button className="btn" type="button" onClick={onClose}>Cancel</button>
              <button className="btn btn-primary" type="submit" form="share-form" disabled={share.isPending}>Share</button>
            </>}>
      <form id="share-form" onSubmit={submit} className="form-grid">
        <p className="muted">People you share with can open the dashboard but not change it. Each sees only the domains their own roles cover.</p>
        <label className="field">
          <span>Users (token subjects, comma-separated)</span>
          <input className="input" value={users} onChange={(e) => setUsers(e.target.value)} placeholder="ann, bob" />
        </label>
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
        {error && <div className="alert alert-error" role="alert">{error}</div>}
      </form>
    </Dialog>
  );
}
