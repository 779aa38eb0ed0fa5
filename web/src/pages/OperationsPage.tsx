// Operations (web.md "Pages", admins only): positions and projection lag (/health/ready), the
// ingest rate (/metrics counters between two readings) and this tenant's events per minute
// (/analytics/metrics/live/{org}), data quality, rebuild with progress, dead letters.
// Everything refreshes every 5 s (a rebuild every second while it runs), with "as of" times.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useParams } from 'react-router';
import {
  isOperator, useDataQuality, useHealth, useLiveActivity, useMetricsText, type DataQuality, type Health, type LiveMinute,
} from '../api/ops';
import { ApiError } from '../api/client';
import { useTenant } from '../api/tenant';
import { isAdmin, kDomainLabels } from '../auth/roles';
import { loadSession } from '../auth/session';
import { Chart } from '../charts/Chart';
import { paletteFromCss } from '../charts/chartOptions';
import { Freshness } from '../components/Freshness';
import { Joined } from '../components/Joined';
import { ErrorState, LoadingState } from '../components/States';
import { formatValue, type NumberContext } from '../format/number';
import { DeadLetters } from './operations/DeadLetters';
import { activityOption, liveDomains, summarizeActivity } from './operations/opsModel';
import { counterRate, ingestTotals, kOutcomes, parsePrometheus, sumOf, type IngestTotals } from './operations/prometheus';
import { RebuildPanel } from './operations/RebuildPanel';
import './operations/operations.css';
import { useTheme } from '../components/theme';

const kRefreshMs = 5000;

export function OperationsPage() {
  const { org = '' } = useParams();
  const roles = loadSession()?.claims.roles ?? [];
  if (!isAdmin(roles)) {
    return (
      <div className="page ops-page" data-org={org}>
        <div className="page-header"><div><h1>Operations</h1></div></div>
        <section className="card card-pad ops-denied" aria-labelledby="ops-denied">
          <h2 id="ops-denied">Admins only</h2>
          <p className="muted">
            Ingest rates, positions, dead letters and rebuilds are for administrators. Your token's roles
            ({roles.join(', ') || 'none'}) do not include admin; ask an administrator if you need this page.
          </p>
        </section>
      </div>
    );
  }
  return <OperationsView org={org} />;
}

function asOf(updatedAt: number): string | undefined {
  return updatedAt ? new Date(updatedAt).toISOString() : undefined;
}

function OperationsView({ org }: { org: string }) {
  const tenant = useTenant();
  const ctx: NumberContext = { locale: tenant.locale, currency: tenant.currency };
  const [paused, setPaused] = useState(false);
  const interval = paused ? false : kRefreshMs;
  const operator = isOperator();

  const health = useHealth(interval);
  const metrics = useMetricsText(interval);
  const live = useLiveActivity(org, interval);
  const quality = useDataQuality(org, interval);
  const fetching = health.isFetching || metrics.isFetching || live.isFetching || quality.isFetching;

  return (
    <div className="page ops-page" data-org={org}>
      <div className="page-header">
        <div>
          <h1>Operations</h1>
          <p className="subtitle">
            <Joined parts={[tenant.name || org, paused ? 'auto-refresh paused' : 'refreshes every 5 s',
              health.dataUpdatedAt > 0 && <Freshness asOf={asOf(health.dataUpdatedAt)} locale={tenant.locale} />]} />
          </p>
        </div>
        <div className="toolbar">
          <span className="subtle ops-fetching" aria-hidden="true">{fetching ? 'Updating…' : ''}</span>
          <button type="button" className="btn" aria-pressed={paused} onClick={() => setPaused((p) => !p)}>
            {paused ? 'Resume auto-refresh' : 'Pause auto-refresh'}
          </button>
          <button type="button" className="btn" onClick={() => {
            void health.refetch(); void metrics.refetch(); void live.refetch(); void quality.refetch();
          }}>Refresh now</button>
        </div>
      </div>

      <section className="ops-section" aria-labelledby="ops-positions">
        <h2 id="ops-positions" className="section-title">Positions and lag</h2>
        {health.isPending ? <LoadingState label="Reading the server's positions…" /> : health.isError ? (
          <ErrorState title="The server's health could not be read" error={health.error} retry={() => health.refetch()} />
        ) : <Positions health={health.data} at={health.dataUpdatedAt} ctx={ctx} />}
      </section>

      <section className="ops-section" aria-labelledby="ops-ingest">
        <h2 id="ops-ingest" className="section-title">Ingest</h2>
        <IngestCounters text={metrics.data} error={metrics.error} at={metrics.dataUpdatedAt} ctx={ctx}
                        retry={() => metrics.refetch()} />
        <figure className="card chart-card ops-activity" data-period="last 60 minutes">
          <figcaption>
            <span>Events per minute for {tenant.name || org}, last 60 minutes (by event time)</span>
            {live.data?.generated_at && <span className="subtle"><Freshness asOf={live.data.generated_at} locale={tenant.locale} /></span>}
          </figcaption>
          {live.isPending ? <div className="skeleton chart-skeleton" /> : live.isError ? (
            <ErrorState title="This tenant's activity could not be loaded" error={live.error} retry={() => live.refetch()} />
          ) : <Activity minutes={live.data.events_per_minute} lag={live.data.projection?.lag_events} ctx={ctx}
                        timezone={tenant.timezone} />}
        </figure>
      </section>

      <section className="ops-section" aria-labelledby="ops-quality" data-period="all time">
        <h2 id="ops-quality" className="section-title">Data quality</h2>
        {quality.isPending ? <LoadingState label="Counting…" /> : quality.isError ? (
          <ErrorState title="The data-quality counts could not be loaded" error={quality.error} retry={() => quality.refetch()} />
        ) : <Quality q={quality.data} at={quality.dataUpdatedAt} ctx={ctx} />}
      </section>

      <section className="ops-section" aria-labelledby="ops-rebuild">
        <h2 id="ops-rebuild" className="section-title">Rebuild</h2>
        <RebuildPanel org={org} tenantEvents={quality.data?.events_total} ctx={ctx}
                      refetchInterval={interval} timezone={tenant.timezone} />
      </section>

      <section className="ops-section" aria-labelledby="ops-dead">
        <h2 id="ops-dead" className="section-title">Dead letters</h2>
        {operator ? <DeadLetters ctx={ctx} refetchInterval={interval} timezone={tenant.timezone} /> : (
          <div className="card card-pad">
            <p className="muted">
              Dead letters may belong to any tenant, or to none, so listing and resubmitting them needs an
              operator's token: role admin with <span className="mono">orgs: ["*"]</span>. This token covers
              only its own organizations. The server's rejected-event count is under Ingest above.
            </p>
          </div>
        )}
      </section>
    </div>
  );
}

function Tile({ label, value, raw, hint, metric, tone }: {
  label: string; value: string; raw: number | null | undefined; hint?: string; metric?: string;
  tone?: 'good' | 'bad' | 'warn';
}) {
  return (
    <div className={tone ? `card ops-tile ops-tile-${tone}` : 'card ops-tile'}>
      <span className="ops-tile-label">{label}</span>
      <span className="ops-tile-value" data-metric={metric} data-value={raw == null ? '' : String(raw)}>{value}</span>
      {hint && <span className="subtle">{hint}</span>}
    </div>
  );
}

const kStatus: Record<string, { label: string; cls: string }> = {
  ready: { label: 'Ready', cls: 'badge badge-good' },
  live: { label: 'Live', cls: 'badge badge-good' },
  read_only: { label: 'Read-only', cls: 'badge badge-bad' },
  catching_up: { label: 'Catching up', cls: 'badge badge-warn' },
};

function Positions({ health, at, ctx }: { health: Health; at: number; ctx: NumberContext }) {
  const lag = Math.max(0, health.stored_position - health.applied_position);
  const searchLag = health.search_position === undefined ? undefined : Math.max(0, health.stored_position - health.search_position);
  const status = kStatus[health.status] ?? { label: health.status, cls: 'badge' };
  const count = (v: number) => formatValue(v, 'count', ctx);
  return (
    <>
      <p className="ops-line">
        <span className={status.cls} data-health-status={health.status}><span className="dot" />{status.label}</span>
        <Joined className="subtle" parts={['Every tenant on this server',
          at > 0 && <Freshness asOf={asOf(at)} locale={ctx.locale} />]} />
      </p>
      {health.writable === false && (
        <p className="alert alert-error" role="alert">The store refuses new events: {health.reason || 'no reason given'}.</p>
      )}
      <div className="ops-tiles">
        <Tile label="Stored position" value={count(health.stored_position)} raw={health.stored_position}
              hint="last durable event" />
        <Tile label="Applied position" value={count(health.applied_position)} raw={health.applied_position}
              hint="read models have applied" />
        <Tile label="Projection lag" value={`${count(lag)} ${lag === 1 ? 'event' : 'events'}`} raw={lag}
              hint="stored, not yet applied" tone={lag > 1000 ? 'bad' : lag > 0 ? 'warn' : 'good'} />
        {health.search_position !== undefined && (
          <Tile label="Search position" value={count(health.search_position)} raw={health.search_position}
                hint={searchLag ? `${count(searchLag)} behind the store` : 'caught up'} tone={searchLag && searchLag > 1000 ? 'warn' : undefined} />
        )}
      </div>
    </>
  );
}

/** The ingest counters of /metrics and the accepted-events rate between two readings ("measuring…"
 *  until a second reading gives it). */
export function IngestCounters({ text, error, at, ctx, retry }: {
  text?: string; error: unknown; at: number; ctx: NumberContext; retry: () => void;
}) {
  const samples = useMemo(() => (text ? parsePrometheus(text) : []), [text]);
  const totals: IngestTotals | null = useMemo(() => ingestTotals(samples), [samples]);
  const applied = sumOf(samples, 'readside_projection_events_applied');
  const liveConnections = sumOf(samples, 'readside_live_connections') ?? sumOf(samples, 'readside_ws_connections');
  const rate = useRate(totals?.accepted ?? null, at);

  if (error && !text) {
    const protectedRoute = error instanceof ApiError && (error.status === 401 || error.status === 403);
    return protectedRoute ? (
      <p className="alert ops-note">
        This server protects <span className="mono">/metrics</span>; its counters need an operator's token
        (orgs ["*"]). The tenant's activity below still shows.
      </p>
    ) : <ErrorState title="The server's metrics could not be read" error={error} retry={retry} />;
  }
  if (!text) return <LoadingState label="Reading the server's counters…" />;
  if (!totals) {
    return <p className="alert ops-note">This server's <span className="mono">/metrics</span> carries no ingest counters.</p>;
  }
  const count = (v: number | null | undefined) => formatValue(v, 'count', ctx);
  const labels: Record<string, [string, string]> = {
    accepted: ['Accepted', 'events stored'], duplicate: ['Duplicates', 'already stored, skipped'],
    conflict: ['Conflicts', 'event id reused, refused'], rejected: ['Rejected', 'failed validation'],
  };
  return (
    <>
      <p className="ops-line subtle">
        <Joined parts={['Every tenant on this server, since it started',
          at > 0 && <Freshness asOf={asOf(at)} locale={ctx.locale} />]} />
      </p>
      <div className="ops-tiles">
        <Tile label="Ingest rate" raw={rate}
              value={rate === null ? 'measuring…' : `${formatValue(rate, 'number', ctx)}/s`}
              hint={rate === null ? 'needs a second reading, 5 s after the first' : 'accepted events per second'} />
        {kOutcomes.map((o) => (
          <Tile key={o} label={labels[o][0]} hint={labels[o][1]} value={count(totals[o])} raw={totals[o]}
                tone={(o === 'rejected' || o === 'conflict') && totals[o] > 0 ? 'warn' : undefined} />
        ))}
        {applied !== null && <Tile label="Events applied" value={count(applied)} raw={applied} hint="since start" />}
        {liveConnections !== null && (
          <Tile label="Live connections" value={count(liveConnections)} raw={liveConnections} hint="WebSocket clients" />
        )}
      </div>
    </>
  );
}

/** Per-second rate of a counter across successive readings (null until two exist). */
function useRate(value: number | null, at: number): number | null {
  const prev = useRef<{ value: number; at: number } | null>(null);
  const [rate, setRate] = useState<number | null>(null);
  useEffect(() => {
    if (value === null || !at) return;
    const cur = { value, at };
    if (prev.current && prev.current.at === at) return;
    const r = counterRate(prev.current, cur);
    prev.current = cur;
    if (r !== null) setRate(r);
  }, [value, at]);
  return rate;
}

function Activity({ minutes, lag, ctx, timezone }: {
  minutes: LiveMinute[]; lag?: number; ctx: NumberContext; timezone: string;
}) {
  const dark = useTheme();
  const option = useMemo(() => activityOption(minutes, timezone, ctx, paletteFromCss()),
    [minutes, timezone, ctx.locale, ctx.currency, dark]); // eslint-disable-line react-hooks/exhaustive-deps -- ctx is rebuilt each render
  const summary = summarizeActivity(minutes);
  const domains = liveDomains(minutes);
  const count = (v: number) => formatValue(v, 'count', ctx);
  return (
    <>
      <div className="ops-activity-facts">
        <span><strong data-value={summary.lastHour}>{count(summary.lastHour)}</strong> in the last hour</span>
        <span><strong data-value={summary.lastMinute}>{count(summary.lastMinute)}</strong> in the last full minute</span>
        <span><strong data-value={summary.perMinute5}>{formatValue(summary.perMinute5, 'number', ctx)}</strong>/min over 5 min</span>
        {lag !== undefined && <span><strong data-value={lag}>{count(lag)}</strong> events of projection lag</span>}
      </div>
      <Chart option={option} series="ops.events_per_minute"
             label={`Events per minute by domain over the last 60 minutes: ${summary.lastHour} in all`} height={240} />
      <details className="breakdown-table">
        <summary>Show as a table</summary>
        <table className="table">
          <thead><tr><th scope="col">Domain</th><th scope="col" className="num">Events, last 60 min</th></tr></thead>
          <tbody>
            {domains.map((d) => (
              <tr key={d}>
                <td>{d in kDomainLabels ? kDomainLabels[d as keyof typeof kDomainLabels] : d === 'other' ? 'Other' : d}</td>
                <td className="num" data-value={summary.byDomain[d] ?? 0}>{count(summary.byDomain[d] ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

const kQuality: { key: keyof DataQuality; label: string; hint: string }[] = [
  { key: 'events_total', label: 'Events', hint: 'stored for this tenant' },
  { key: 'rejected', label: 'Rejected', hint: 'failed validation' },
  { key: 'duplicates', label: 'Duplicates', hint: 'same event id, same content' },
  { key: 'conflicts', label: 'Conflicts', hint: 'same event id, other content' },
  { key: 'orphans', label: 'Orphans', hint: 'refer to an unknown entity' },
  { key: 'unknown_type', label: 'Unknown types', hint: 'stored, not applied' },
  { key: 'currency_mismatch', label: 'Currency mismatches', hint: 'left out of the numbers' },
  { key: 'unclassified_ledger_lines', label: 'Unclassified ledger lines', hint: 'on accounts never created' },
];

function Quality({ q, at, ctx }: { q: DataQuality; at: number; ctx: NumberContext }) {
  return (
    <>
      <p className="ops-line subtle">
        <Joined parts={['This tenant, all time', at > 0 && <Freshness asOf={asOf(at)} locale={ctx.locale} />]} />
      </p>
      <div className="ops-tiles">
        {kQuality.map((d) => (
          <Tile key={d.key} label={d.label} value={formatValue(q[d.key], 'count', ctx)} raw={q[d.key]}
                metric={`data_quality.${d.key}`} hint={d.hint}
                tone={d.key !== 'events_total' && q[d.key] > 0 ? 'warn' : undefined} />
        ))}
      </div>
    </>
  );
}
