// Rebuild this tenant's read models (POST /admin/rebuild/{org}) and follow it
// (GET /admin/rebuild/{org}, every second while it runs): any admin of the tenant sees the
// progress of its own rebuild or of a global one; another tenant's reads as idle.
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '../../api/client';
import { startRebuild, useRebuildStatus, type RebuildStatus } from '../../api/ops';
import { Dialog } from '../../components/Dialog';
import { ErrorState } from '../../components/States';
import { formatValue, type NumberContext } from '../../format/number';
import { isRebuildActive, rebuildProgress } from './opsModel';

const kStateLabels: Record<string, string> = {
  idle: 'No rebuild yet', queued: 'Queued', running: 'Running', catching_up: 'Catching up', done: 'Done', failed: 'Failed',
};
const kStateBadges: Record<string, string> = {
  queued: 'badge', running: 'badge badge-warn', catching_up: 'badge badge-warn', done: 'badge badge-good', failed: 'badge badge-bad',
};

export function RebuildPanel({ org, tenantEvents, ctx, refetchInterval, timezone }: {
  org: string;
  /** The tenant's stored events (data quality), the work of a one-tenant rebuild. */
  tenantEvents?: number;
  ctx: NumberContext;
  refetchInterval: number | false;
  timezone: string;
}) {
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const status = useRebuildStatus(org, refetchInterval);
  const start = useMutation({
    mutationFn: () => startRebuild(org),
    onSuccess: (s) => {
      client.setQueryData(['ops', 'rebuild', org], s);
      void client.invalidateQueries({ queryKey: ['ops', 'rebuild', org] });
    },
    onSettled: () => setConfirming(false),
  });

  const current: RebuildStatus | null = status.data ?? null;
  const running = isRebuildActive(current);
  // A full queue (503) is a wait, not a fault: say so and when to retry.
  const conflict = start.error instanceof ApiError && start.error.status === 503 ? start.error : null;

  return (
    <div className="card card-pad rebuild">
      <div className="rebuild-head">
        <p className="muted">
          Replays this tenant's stored events into fresh read models while the current ones keep serving,
          then swaps them in. Its search index is dropped and rebuilt too: search finds less until it has
          caught up. Use it after a fix to the projection code, or when the numbers look wrong.
        </p>
        <button type="button" className="btn btn-primary" disabled={running || start.isPending}
                onClick={() => { start.reset(); setConfirming(true); }}>
          {start.isPending ? 'Starting…' : current?.state === 'queued' ? 'Rebuild queued…'
            : running ? 'Rebuild running…' : `Rebuild ${org}`}
        </button>
      </div>

      {conflict && (
        <p className="alert alert-error" role="alert">
          <strong>{conflict.title}.</strong> {conflict.detail || 'Too many rebuilds are waiting; retry in a little while.'}
        </p>
      )}
      {start.isError && !conflict && (
        <ErrorState title="The rebuild could not be started" error={start.error} />
      )}

      {status.isError ? (
        <ErrorState title="The rebuild status could not be loaded" error={status.error} retry={() => status.refetch()} />
      ) : current ? (
        <RebuildProgress status={current} org={org} tenantEvents={tenantEvents} ctx={ctx} timezone={timezone} />
      ) : status.isPending ? (
        <p className="subtle" role="status">Loading the rebuild status…</p>
      ) : null}

      {confirming && (
        <Dialog title={`Rebuild ${org}?`} onClose={() => setConfirming(false)}
                footer={<>
                  <button type="button" className="btn" onClick={() => setConfirming(false)}>Cancel</button>
                  <button type="button" className="btn btn-primary" disabled={start.isPending}
                          onClick={() => start.mutate()}>
                    {start.isPending ? 'Starting…' : 'Start the rebuild'}
                  </button>
                </>}>
          <p>
            The read models of <strong>{org}</strong> are rebuilt from its stored events. The current numbers keep
            being served until the new ones are swapped in; search finds less until its index has been rebuilt.
            Rebuilds run one at a time, tenants in turn: if others are waiting, this one is queued behind them.
          </p>
        </Dialog>
      )}
    </div>
  );
}

function formatTime(iso: string, locale: string | undefined, timeZone: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone }).format(t);
  } catch {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(t);
  }
}

function RebuildProgress({ status, org, tenantEvents, ctx, timezone }: {
  status: RebuildStatus; org: string; tenantEvents?: number; ctx: NumberContext; timezone: string;
}) {
  if (status.state === 'idle') {
    return <p className="subtle" data-rebuild-state="idle">No rebuild has run since the server started.</p>;
  }
  const ofTenant = status.scope === org;
  const total = ofTenant && tenantEvents ? tenantEvents : status.target_position;
  const fraction = rebuildProgress(status, ofTenant ? tenantEvents : null);
  const pct = Math.round(fraction * 100);
  const time = (iso: string | null) => (iso ? formatTime(iso, ctx.locale, timezone) : '—');
  return (
    <div className="rebuild-status" data-rebuild-state={status.state} aria-live="polite">
      <div className="rebuild-line">
        <span className={kStateBadges[status.state] ?? 'badge'}>{kStateLabels[status.state] ?? status.state}</span>
        <span className="muted">
          {status.scope === '*' ? 'every tenant' : status.scope === org ? 'this tenant' : `tenant ${status.scope}`}
        </span>
        {status.state === 'queued' && status.queue_position !== undefined && (
          <span className="muted" data-queue-position={status.queue_position}>
            {status.queue_position === 0 ? 'next to run'
              : `${status.queue_position} ${status.queue_position === 1 ? 'rebuild' : 'rebuilds'} ahead of it`}
          </span>
        )}
      </div>
      <div className="progress" role="progressbar" aria-label="Rebuild progress" aria-valuemin={0} aria-valuemax={100}
           aria-valuenow={pct} aria-valuetext={`${pct} %: ${status.events_read} of about ${total} events read`}>
        <div className="progress-bar" style={{ width: `${pct}%` }} />
      </div>
      <dl className="facts">
        <div><dt>Events read</dt><dd data-value={status.events_read}>{formatValue(status.events_read, 'count', ctx)}</dd></div>
        <div><dt>{ofTenant && tenantEvents ? 'Tenant events' : 'Target position'}</dt>
          <dd data-value={total}>{formatValue(total, 'count', ctx)}</dd></div>
        <div><dt>Target position</dt><dd data-value={status.target_position}>{formatValue(status.target_position, 'count', ctx)}</dd></div>
        <div><dt>Started</dt><dd>{time(status.started_at)}</dd></div>
        <div><dt>Finished</dt><dd>{time(status.finished_at)}</dd></div>
      </dl>
      {status.error && <p className="alert alert-error" role="alert">{status.error}</p>}
    </div>
  );
}
