// The operations page's sources (web.md "Operations"; api.md; operations.md):
//   GET  /health/ready                      public; 200 ready, 503 catching up (same body)
//   GET  /metrics                           Prometheus text; public by default
//   GET  /analytics/metrics/live/{org}      events per minute by domain, projection lag
//   GET  /analytics/data-quality/{org}      the tenant's data-quality counts
//   GET  /admin/dead-letters?after=&limit=  admin with orgs ["*"]
//   POST /admin/dead-letters/{id}/resubmit  admin with orgs ["*"]; 200 stored, 422 still rejected
//   GET  /admin/rebuild/{org}               admin of the organization: this tenant's (or a global) rebuild
//   POST /admin/rebuild/{org}               admin of the organization; 202 with the queue position, 503 if the queue is full
import { useQuery } from '@tanstack/react-query';
import { ApiError, getJson, orgPath, request, sendJson, withQuery } from './client';
import { coversAnyOrganization, loadSession } from '../auth/session';

export interface Health {
  status: 'live' | 'ready' | 'read_only' | 'catching_up' | string;
  applied_position: number;
  stored_position: number;
  search_position?: number;
  writable?: boolean;
  reason?: string;
}

export type LiveMinute = { minute: string } & Record<string, number | string>;

export interface LiveBody {
  organization_id: string;
  generated_at?: string;
  period?: string;
  events_per_minute: LiveMinute[];
  headline: Record<string, number | null>;
  projection: { applied_position?: number; stored_position?: number; lag_events?: number };
}

export interface DataQuality {
  events_total: number;
  unknown_type: number;
  orphans: number;
  duplicates: number;
  conflicts: number;
  currency_mismatch: number;
  unclassified_ledger_lines: number;
  rejected: number;
}

export interface DeadLetter {
  id: number;
  received_at: string;
  source: string;
  reason: string;
  raw_base64: string;
}

export interface DeadLetterPage { dead_letters: DeadLetter[]; next: number | null }

export interface RebuildStatus {
  state: 'idle' | 'queued' | 'running' | 'catching_up' | 'done' | 'failed' | string;
  scope: string;
  target_position: number;
  events_read: number;
  started_at: string | null;
  finished_at: string | null;
  error?: string;
  /** While queued: rebuilds ahead of this one (other tenants are not named). */
  queue_position?: number;
}

export interface IngestAnswer {
  accepted: number;
  duplicates: number;
  conflicts: { index: number; event_id: string }[];
  rejected: { index: number; event_id?: string; errors: { field: string; message: string }[] }[];
  position: number;
}

async function problem(res: Response): Promise<ApiError> {
  let title = res.statusText || `HTTP ${res.status}`;
  let detail = '';
  try {
    const body = await res.json();
    if (typeof body?.title === 'string') title = body.title;
    if (typeof body?.detail === 'string') detail = body.detail;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(res.status, title, detail);
}

/**
 * /health/ready without a token. A 503 (catching up) carries the same body and is an answer,
 * not an error.
 */
export async function fetchHealth(signal?: AbortSignal): Promise<Health> {
  const res = await fetch('/health/ready', { headers: { Accept: 'application/json' }, signal });
  if (res.ok || res.status === 503) {
    try {
      return (await res.json()) as Health;
    } catch {
      // fall through: not the documented body
    }
  }
  throw await problem(res);
}

/**
 * /metrics as text. Sent without a token: the route is public by default, and a token that does
 * not cover every organization is refused there (403) even when the route is public. When the
 * server protects it (401), an operator's token (orgs ["*"]) is tried; other tokens get a
 * 401 ApiError that says so. Never signs the user out.
 */
export async function fetchMetricsText(signal?: AbortSignal): Promise<string> {
  let res = await fetch('/metrics', { headers: { Accept: 'text/plain' }, signal });
  if (res.status === 401) {
    const session = loadSession();
    if (session && coversAnyOrganization(session.claims)) {
      res = await fetch('/metrics', {
        headers: { Accept: 'text/plain', Authorization: `Bearer ${session.token}` }, signal,
      });
    }
  }
  if (!res.ok) throw await problem(res);
  return res.text();
}

/** Whether the signed-in token may use the routes that span every organization. */
export function isOperator(): boolean {
  const s = loadSession();
  return !!s && coversAnyOrganization(s.claims) && s.claims.roles.includes('admin');
}

export function useHealth(refetchInterval: number | false) {
  return useQuery({
    queryKey: ['ops', 'health'],
    queryFn: ({ signal }) => fetchHealth(signal),
    refetchInterval,
    staleTime: 0,
  });
}

export function useMetricsText(refetchInterval: number | false) {
  return useQuery({
    queryKey: ['ops', 'metrics'],
    queryFn: ({ signal }) => fetchMetricsText(signal),
    // A refusal (protected /metrics, token not an operator's) answers the same every time.
    refetchInterval: (q) => (q.state.error instanceof ApiError && q.state.error.status < 500 ? false : refetchInterval),
    staleTime: 0,
    retry: false,
  });
}

export function useLiveActivity(org: string, refetchInterval: number | false) {
  return useQuery({
    queryKey: ['ops', 'live', org],
    queryFn: ({ signal }) => getJson<LiveBody>(orgPath('/analytics/metrics/live/{org}', org), signal),
    refetchInterval,
    staleTime: 0,
  });
}

export function useDataQuality(org: string, refetchInterval: number | false) {
  return useQuery({
    queryKey: ['ops', 'data-quality', org],
    queryFn: ({ signal }) => getJson<DataQuality>(orgPath('/analytics/data-quality/{org}', org), signal),
    refetchInterval,
    staleTime: 0,
  });
}

export function useDeadLetters(after: number, enabled: boolean, refetchInterval: number | false, limit = 50) {
  return useQuery({
    queryKey: ['ops', 'dead-letters', after, limit],
    queryFn: ({ signal }) => getJson<DeadLetterPage>(withQuery('/admin/dead-letters', { after: after || undefined, limit }), signal),
    enabled,
    refetchInterval,
    staleTime: 0,
  });
}

/** Polls every second while a rebuild runs, else at the page's pace. */
export function useRebuildStatus(org: string, refetchInterval: number | false) {
  return useQuery({
    queryKey: ['ops', 'rebuild', org],
    queryFn: ({ signal }) => getJson<RebuildStatus>(orgPath('/admin/rebuild/{org}', org), signal),
    refetchInterval: (q) => {
      const s = q.state.data?.state;
      return s === 'queued' || s === 'running' || s === 'catching_up' ? 1000 : refetchInterval;
    },
    staleTime: 0,
  });
}

export async function startRebuild(org: string): Promise<RebuildStatus> {
  const s = await sendJson<RebuildStatus>('POST', orgPath('/admin/rebuild/{org}', org));
  if (!s) throw new ApiError(502, 'Empty answer', 'The server started no rebuild status to show.');
  return s;
}

export type ResubmitOutcome = { stored: true; answer: IngestAnswer } | { stored: false; answer: IngestAnswer };

/**
 * Re-judges a dead letter. 200: stored (the letter is gone); 422: still rejected, with the
 * ingest answer naming why (an ingest body, not a problem, so it is read here rather than by
 * request(), which would drop it). A 401 is handed to request() so the session ends the usual way.
 */
export async function resubmitDeadLetter(id: number): Promise<ResubmitOutcome> {
  const path = `/admin/dead-letters/${encodeURIComponent(String(id))}/resubmit`;
  const session = loadSession();
  if (!session) {
    await request(path, { method: 'POST' });
    throw new ApiError(401, 'Not signed in', 'Paste a token to sign in.');
  }
  const res = await fetch(path, {
    method: 'POST',
    headers: { Accept: 'application/json', Authorization: `Bearer ${session.token}` },
  });
  if (res.status === 401) {
    // Nothing was done; request() repeats the refusal and ends the session with its message.
    await request(path, { method: 'POST' });
  }
  if (res.status === 200 || res.status === 422) {
    const answer = (await res.json()) as IngestAnswer;
    return res.status === 200 ? { stored: true, answer } : { stored: false, answer };
  }
  throw await problem(res);
}
