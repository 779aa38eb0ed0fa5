// The signed-in session: the bearer token lives in sessionStorage only (never a cookie, never
// a URL sent to the server; web.md "Sign-in"). The claims are read, not verified: the server
// verifies every request, the app only uses them to choose what to show.

export interface Claims {
  sub?: string;
  org?: string;
  orgs?: string[];
  roles: string[];
  exp?: number;
}

export interface Session {
  token: string;
  claims: Claims;
}

const kTokenKey = 'readside.token';
const kOrgKey = 'readside.org';
const kNoticeKey = 'readside.notice';

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** Parses a JWT's claims, or returns an error message a user can act on. */
export function parseToken(token: string): Claims | string {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
    return 'This is not a token: a token has three parts separated by dots (header.claims.signature).';
  }
  let raw: unknown;
  try {
    raw = JSON.parse(base64UrlDecode(parts[1]));
  } catch {
    return 'The token could not be read: its middle part is not base64url-encoded JSON.';
  }
  if (typeof raw !== 'object' || raw === null) return 'The token carries no claims.';
  const c = raw as Record<string, unknown>;
  const roles = Array.isArray(c.roles) ? c.roles.filter((r): r is string => typeof r === 'string') : [];
  const orgs = Array.isArray(c.orgs) ? c.orgs.filter((o): o is string => typeof o === 'string') : undefined;
  const claims: Claims = {
    sub: typeof c.sub === 'string' ? c.sub : undefined,
    org: typeof c.org === 'string' ? c.org : undefined,
    orgs,
    roles,
    exp: typeof c.exp === 'number' ? c.exp : undefined,
  };
  if (!claims.org && (!claims.orgs || claims.orgs.length === 0)) {
    return 'The token names no organization (claim "org" or "orgs").';
  }
  return claims;
}

export function isExpired(claims: Claims, nowMs = Date.now()): boolean {
  return claims.exp !== undefined && claims.exp * 1000 <= nowMs;
}

/** The organizations the token lists; "*" means any (the user types one). */
export function organizations(claims: Claims): string[] {
  if (claims.orgs && claims.orgs.length > 0) return claims.orgs;
  return claims.org ? [claims.org] : [];
}

export function coversAnyOrganization(claims: Claims): boolean {
  return organizations(claims).includes('*');
}

// The session of the stored token, parsed once per token: pages read it in every render and
// the API client for every request (decoding base64 and JSON each time was measurable work on a
// phone's first screen). A session is only read, never changed, by its users.
let parsed: { token: string; session: Session | null } | null = null;

export function loadSession(): Session | null {
  const token = sessionStorage.getItem(kTokenKey);
  if (!token) return null;
  if (parsed?.token !== token) {
    const claims = parseToken(token);
    parsed = { token, session: typeof claims === 'string' ? null : { token, claims } };
  }
  return parsed.session;
}

export function saveToken(token: string): Session | string {
  const claims = parseToken(token);
  if (typeof claims === 'string') return claims;
  if (isExpired(claims)) return 'This token has expired. Ask for a new one.';
  sessionStorage.setItem(kTokenKey, token.trim());
  return { token: token.trim(), claims };
}

/** Ends the session; `notice` is shown on the sign-in page (e.g. why the user was sent back). */
export function signOut(notice?: string): void {
  sessionStorage.removeItem(kTokenKey);
  if (notice) sessionStorage.setItem(kNoticeKey, notice);
  else sessionStorage.removeItem(kNoticeKey);
}

export function takeNotice(): string | null {
  const n = sessionStorage.getItem(kNoticeKey);
  sessionStorage.removeItem(kNoticeKey);
  return n;
}

export function rememberOrg(org: string): void {
  sessionStorage.setItem(kOrgKey, org);
}

export function rememberedOrg(): string | null {
  return sessionStorage.getItem(kOrgKey);
}

/**
 * Reads `#token=<JWT>` from the address (the demo's sign-in link), stores it and removes the
 * fragment from the address bar so it is neither bookmarked nor shared. The fragment never
 * reaches the server. Returns an error message for a bad token, null when there was none.
 */
export function consumeTokenFragment(loc: Location = window.location): Session | string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(loc.hash);
  if (!m) return null;
  const token = decodeURIComponent(m[1]);
  history.replaceState(null, '', loc.pathname + loc.search);
  return saveToken(token);
}
