// Start the dashboard from a template (GET /dashboard-templates, POST from-template/{name}).
import { useState } from 'react';
import { ApiError } from '../api/client';
import { useApplyTemplate, useTemplates } from '../api/dashboards';
import { Dialog } from '../components/Dialog';
import { ErrorState, LoadingState } from '../components/States';

export function TemplateDialog({ org, onClose }: { org: string; onClose: () => void }) {
  const templates = useTemplates();
  const apply = useApplyTemplate(org);
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title="Start from a template" onClose={onClose} wide>
      <p className="muted">A template replaces the widgets of your dashboard. Widgets on domains your roles do not cover show no data.</p>
      {templates.isPending ? <LoadingState /> : templates.isError ? (
        <ErrorState title="The templates could not be loaded" error={templates.error} retry={() => templates.refetch()} />
      ) : (
        <ul className="template-list">
          {templates.data.templates.map((t) => (
            <li key={t.name} className="template card">
              <div>
                <h3>{t.title}</h3>
                <p className="muted">{t.description}</p>
                <p className="subtle">{t.widgets.length} widgets</p>
              </div>
              <button className="btn" disabled={apply.isPending} onClick={async () => {
                try { await apply.mutateAsync(t.name); onClose(); }
                catch (e) { setError(e instanceof ApiError ? e.detail || e.title : 'The server could not be reached.'); }
              }}>Use {t.title}</button>
            </li>
          ))}
        </ul>
      )}
      {error && <div className="alert alert-error" role="alert">{error}</div>}
    </Dialog>
  );
}
