// Put a template on the dashboard (GET /dashboard-templates, POST from-template/{name}):
// `own` replaces the widgets of the caller's own dashboard (made from the default on first
// use); admins may instead set it as the organization's default (`default`).
import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { useApplyTemplate, useTemplates, type Dashboard, type TemplateTarget } from '../api/dashboards';
import { isAdmin } from '../auth/roles';
import { loadSession } from '../auth/session';
import { Dialog } from '../components/Dialog';
import { ErrorState, LoadingState } from '../components/States';

export function TemplateDialog({ org, dashboard, onClose }: { org: string; dashboard: Dashboard; onClose: () => void }) {
  const templates = useTemplates();
  const apply = useApplyTemplate(org);
  const [error, setError] = useState<string | null>(null);
  const admin = isAdmin(loadSession()?.claims.roles ?? []);
  const hasOwn = dashboard.dashboard_id !== 'default';
  // The organization's default is everyone's who has no dashboard of their own: asked first, in
  // the template's own card (not window.confirm, not a dialog over this dialog).
  const [asking, setAsking] = useState<string | null>(null);
  // Kept: the focus goes back to the template's "Set as the organization default", which the
  // question stood in for (drawn again once `asking` is cleared, so focused after that render).
  const setDefault = useRef(new Map<string, HTMLButtonElement>());
  const refocus = useRef<string | null>(null);
  const keep = () => {
    refocus.current = asking;
    setAsking(null);
  };
  useEffect(() => {
    if (refocus.current === null || asking !== null) return;
    setDefault.current.get(refocus.current)?.focus();
    refocus.current = null;
  }, [asking]);
  // Escape while asked closes the question only, wherever the focus is in the dialog: its keydown
  // cancelled, the browser sends the dialog no cancel (which would close it all).
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    const d = list.current?.closest('dialog');
    if (asking === null || !d) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault();
      keep();
    };
    d.addEventListener('keydown', onKey);
    return () => d.removeEventListener('keydown', onKey);
  }, [asking]);
  // An error takes the focus, so that it is seen and read out (the question that had it is gone).
  const alert = useRef<HTMLDivElement>(null);
  useEffect(() => { if (error) alert.current?.focus(); }, [error]);
  const run = async (name: string, target: TemplateTarget) => {
    setAsking(null);
    setError(null);
    try {
      await apply.mutateAsync({ name, target });
      onClose();
    } catch (e) {
      setError(e instanceof ApiError ? e.detail || e.title : 'The server could not be reached.');
    }
  };
  return (
    <Dialog title="Start from a template" onClose={onClose} wide>
      <p className="muted">
        <b>Use</b> replaces the widgets of your own dashboard with the template’s
        {hasOwn ? '.' : ' (your own copy is made now; until then you see the organization’s default).'}
        {' '}Only you see it, unless you share it. Widgets on domains your roles do not cover show no data.
      </p>
      {admin && (
        <p className="muted">
          <b>Set as the organization default</b> replaces the default that everyone without their own
          dashboard sees{hasOwn ? '; you keep seeing your own dashboard' : ''}.
        </p>
      )}
      {templates.isPending ? <LoadingState /> : templates.isError ? (
        <ErrorState title="The templates could not be loaded" error={templates.error} retry={() => templates.refetch()} />
      ) : (
        <ul className="template-list" ref={list}>
          {templates.data.templates.map((t) => (
            <li key={t.name} className="template card" data-template={t.name}>
              <div>
                <h3>{t.title}</h3>
                <p className="muted">{t.description}</p>
                <p className="subtle">{t.widgets.length} widgets</p>
              </div>
              <div className="template-actions">
                <button className="btn btn-primary" disabled={apply.isPending} aria-label={`Use ${t.title} as my dashboard`}
                        onClick={() => run(t.name, 'own')}>Use {t.title}</button>
                {admin && asking !== t.name && (
                  <button className="btn" disabled={apply.isPending} aria-label={`Set as the organization default: ${t.title}`}
                          ref={(b) => { if (b) setDefault.current.set(t.name, b); else setDefault.current.delete(t.name); }}
                          onClick={() => setAsking(t.name)}>Set as the organization default</button>
                )}
              </div>
              {admin && asking === t.name && (
                <div className="template-confirm" role="group" aria-labelledby={`confirm-${t.name}`}>
                  <p id={`confirm-${t.name}`}>
                    Replace the organization’s default dashboard with “{t.title}”? Everyone without a
                    dashboard of their own will see it.
                  </p>
                  <div className="template-actions">
                    <button type="button" className="btn" autoFocus onClick={keep}>Keep the current default</button>
                    <button type="button" className="btn btn-primary" disabled={apply.isPending}
                            data-action="confirm-default" onClick={() => run(t.name, 'default')}>
                      Replace the default
                    </button>
                  </div>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && <div className="alert alert-error" role="alert" tabIndex={-1} ref={alert}>{error}</div>}
    </Dialog>
  );
}
