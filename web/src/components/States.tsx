// Loading, empty and error states that say what is happening and what to do next.
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

export function LoadingState({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <div className="spinner" aria-hidden="true" />
      <p>{label}</p>
    </div>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="state">
      <h3>{title}</h3>
      {children && <p>{children}</p>}
      {action && <div className="actions">{action}</div>}
    </div>
  );
}

/** What the user can do about an error, from its HTTP status. */
export function adviceFor(error: unknown): string {
  if (!(error instanceof ApiError)) return 'The server could not be reached. Check that readside is running, then retry.';
  switch (error.status) {
    case 403: return 'Your roles do not cover this. Ask an administrator for access.';
    case 404: return 'It does not exist, or your token does not cover it.';
    case 429: return 'Too many requests for now. Wait a few seconds and retry.';
    case 503: return 'readside is catching up or a dependency is down. Retry in a moment.';
    default: return error.status >= 500 ? 'The server failed. Retry; if it persists, tell your operator.' : '';
  }
}

export function ErrorState({ title, error, detail, retry }: {
  title: string; error?: unknown; detail?: string; retry?: () => void;
}) {
  const message = detail ?? (error instanceof ApiError ? error.detail || error.title : undefined);
  return (
    <div className="state state-error" role="alert">
      <h3>{title}</h3>
      {message && <p>{message}</p>}
      {error !== undefined && <p className="muted">{adviceFor(error)}</p>}
      {retry && <div className="actions"><button className="btn" onClick={retry}>Retry</button></div>}
    </div>
  );
}
