// The one way the app talks to readside: fetch with the session's bearer token, JSON in and
// out, and problem+json (RFC 9457) answers turned into ApiError with the server's own words.

import { loadSession, signOut } from '../auth/session';

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly fields: { field: string; message: string }[];
  constructor(status: number, title: string, detail: string,
              fields: { field: string; message: string }[] = []) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.fields = fields;
  }
}

/** Called when the server answers 401: the session is over (expired or revoked token). */
let onUnauthorized: (message: string) => void = () => {};
export function setUnauthorizedHandler(f: (message: string) => void): void {
  onUnauthorized = f;
}

async function problemOf(res: Response): Promise<ApiError> {
  let title = res.statusText || `HTTP ${res.status}`;
  let detail = '';
  let fields: { field: string; message: string }[] = [];
  try {
    const body = await res.json();
    if (typeof body?.title === 'string') title = body.title;
    if (typeof body?.detail === 'string') detail = body.detail;
    if (Array.isArray(body?.errors)) fields = body.errors;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(res.status, title, detail, fields);
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** Skip the Authorization header (public routes). */
  anonymous?: boolean;
}

export async function request(path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (!opts.anonymous) {
    const session = loadSession();
    if (!session) {
      onUnauthorized('Please sign in.');
      throw new ApiError(401, 'Not signed in', 'Paste a token to sign in.');
    }
    headers.Authorization = `Bearer ${session.token}`;
  }
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(path, { method: opts.method ?? 'GET', headers, body, signal: opts.signal });
  if (res.status === 401) {
    const err = await problemOf(res);
    signOut(`Your session has ended (${err.detail || err.title}). Sign in again.`);
    onUnauthorized(err.detail || err.title);
    throw err;
  }
  if (!res.ok) throw await problemOf(res);
  return res;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await request(path, { signal });
  return (await res.json()) as T;
}

export async function sendJson<T>(method: string, path: string, body?: unknown): Promise<T | null> {
  const res = await request(path, { method, body });
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? (JSON.parse(text) as T) : null;
}

/** Builds `path?k=v&…`, leaving out empty values. */
export function withQuery(path: string, params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export function orgPath(template: string, org: string): string {
  return template.replace('{org}', encodeURIComponent(org));
}
