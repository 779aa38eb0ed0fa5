// Sign-in: paste a bearer token (or arrive by the demo's #token= link, handled in boot.ts).
// The token stays in this tab's sessionStorage; nothing is sent until the first API request.
import { useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { coversAnyOrganization, loadSession, parseToken, rememberOrg, saveToken, takeNotice } from '../auth/session';

export function SignInPage() {
  const navigate = useNavigate();
  const location = useLocation();
  const [notice] = useState(() => takeNotice());
  const [token, setToken] = useState('');
  const [org, setOrg] = useState('');
  const [error, setError] = useState<string | null>(null);
  const existing = loadSession();
  // A token for every organization ("*"), from a link: only the organization is missing.
  const [openOrg, setOpenOrg] = useState('');
  const anyOrg = existing !== null && coversAnyOrganization(existing.claims);
  const preview = token.trim() ? parseToken(token) : null;
  const needsOrg = preview !== null && typeof preview !== 'string' && coversAnyOrganization(preview);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const result = saveToken(token);
    if (typeof result === 'string') return setError(result);
    if (needsOrg) {
      if (!org.trim()) return setError('This token covers every organization: type the one to open.');
      rememberOrg(org.trim());
      return navigate(`/o/${encodeURIComponent(org.trim())}`, { replace: true });
    }
    const from = (location.state as { from?: string } | null)?.from;
    navigate(from && from !== '/signin' ? from : '/', { replace: true });
  };

  return (
    <div className="signin">
      <main className="signin-card card" id="main">
        <div className="brand"><img src="/favicon.svg" alt="" width="32" height="32" /><span>readside</span></div>
        <h1>Sign in</h1>
        <p className="muted">Live business numbers from your ERP. Paste the bearer token your administrator gave you.</p>
        {notice && <div className="alert alert-info" role="status">{notice}</div>}
        {anyOrg && (
          <form className="signin-form" onSubmit={(e) => {
            e.preventDefault();
            if (!openOrg.trim()) return;
            rememberOrg(openOrg.trim());
            navigate(`/o/${encodeURIComponent(openOrg.trim())}`, { replace: true });
          }}>
            <div className="alert alert-info" role="status">
              You are signed in with a token for every organization. Type the one to open.
            </div>
            <div className="field">
              <label htmlFor="open-org">Organization</label>
              <input id="open-org" className="input" value={openOrg} onChange={(e) => setOpenOrg(e.target.value)}
                     placeholder="e.g. acme-corp" autoComplete="off" />
            </div>
            <button className="btn btn-primary" type="submit" disabled={!openOrg.trim()}>Open</button>
          </form>
        )}
        <form onSubmit={submit} className="signin-form" noValidate>
          <div className="field">
            <label htmlFor="token">Token</label>
            <textarea id="token" className="textarea" value={token} spellCheck={false} autoComplete="off"
                      placeholder="eyJhbGciOi…" aria-describedby={error ? 'token-error' : 'token-help'}
                      aria-invalid={error ? true : undefined}
                      onChange={(e) => { setToken(e.target.value); setError(null); }} />
            <span id="token-help" className="subtle">
              It is kept in this browser tab only and forgotten when you close it.
              Running the demo? Use the sign-in link it printed.
            </span>
          </div>
          {needsOrg && (
            <div className="field">
              <label htmlFor="org">Organization</label>
              <input id="org" className="input" value={org} onChange={(e) => setOrg(e.target.value)}
                     placeholder="e.g. acme" autoComplete="off" />
            </div>
          )}
          {error && <p id="token-error" className="field-error" role="alert">{error}</p>}
          <button className="btn btn-primary" type="submit" disabled={!token.trim()}>Sign in</button>
          {existing && !anyOrg && <button type="button" className="btn btn-ghost" onClick={() => navigate('/')}>
            Continue with the current session
          </button>}
        </form>
        <p className="subtle">API reference: <a href="/docs">/docs</a></p>
      </main>
    </div>
  );
}
