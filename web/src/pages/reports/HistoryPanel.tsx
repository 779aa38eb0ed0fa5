// The runs of the schedules (GET /reports/history/{org}), latest due first: status, attempts,
// errors, and the file each run attached, downloaded with the bearer token
// (GET /reports/runs/{id}/file → a blob).
import { useState } from 'react';
import { ApiError } from '../../api/client';
import { useHistory, useRunDownload, type ReportCatalog, type Run, type Schedule } from '../../api/reports';
import { Icon } from '../../components/Icon';
import { adviceFor, EmptyState, ErrorState, LoadingState } from '../../components/States';
import { formatBytes, formatDateTime } from './format';
import { kStatusBadges, typeTitle } from './labels';

const kPage = 100;

export function HistoryPanel({ org, catalog, schedules, scheduleId, onScheduleId, timezone, locale }: {
  org: string;
  catalog?: ReportCatalog;
  schedules: Schedule[];
  /** Only this schedule's runs (`""`: every run). */
  scheduleId: string;
  onScheduleId: (id: string) => void;
  timezone: string;
  locale?: string;
}) {
  const [limit, setLimit] = useState(kPage);
  const history = useHistory(org, scheduleId, limit);
  const download = useRunDownload();
  const runs = history.data?.runs ?? [];
  const when = (iso: string | null) => formatDateTime(iso, timezone, locale);
  const filtered = schedules.find((s) => s.id === scheduleId);

  return (
    <section className="reports-block" aria-labelledby="history-title">
      <div className="reports-block-head">
        <div>
          <h2 id="history-title">Run history</h2>
          <p className="subtle">Every due run of the schedules, latest first, with the file it sent. Times in {timezone}.</p>
        </div>
        <div className="toolbar">
          <label className="field history-filter">
            <span>Schedule</span>
            <select className="select" value={scheduleId} onChange={(e) => { onScheduleId(e.target.value); setLimit(kPage); }}>
              <option value="">All schedules</option>
              {scheduleId && !filtered && <option value={scheduleId}>A deleted schedule</option>}
              {schedules.map((s) => (
                <option key={s.id} value={s.id}>{typeTitle(catalog, s.report, s.type)} · {s.cron} ({s.recipients[0]}{s.recipients.length > 1 ? ', …' : ''})</option>
              ))}
            </select>
          </label>
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => history.refetch()} disabled={history.isFetching}
                  aria-label="Refresh the run history">
            {history.isFetching ? 'Refreshing…' : 'Refresh'}
          </button>
        </div>
      </div>
      {download.isError && (
        <div className="alert alert-error" role="alert">
          The file could not be downloaded: {download.error instanceof ApiError
            ? (download.error.status === 404
              ? 'it is not on this server (it is kept by the node that made the run, and only for recent runs).'
              : download.error.detail || download.error.title)
            : 'the server could not be reached.'} {!(download.error instanceof ApiError && download.error.status === 404) && adviceFor(download.error)}
        </div>
      )}
      {download.isSuccess && <p className="visually-hidden" role="status">Downloaded {download.data.filename}</p>}
      <div className="card">
        {history.isPending ? <LoadingState label="Loading the run history…" /> : history.isError ? (
          <ErrorState title="The run history could not be loaded" error={history.error} retry={() => history.refetch()} />
        ) : runs.length === 0 ? (
          <EmptyState title="No runs yet">
            {scheduleId
              ? 'This schedule has not been due yet. Its runs show here once their time comes.'
              : schedules.length > 0
                ? 'The schedules have not been due yet. Each run shows here once its time comes, with the file it sent.'
                : 'Runs show here once a schedule is due. Create a schedule above to start.'}
          </EmptyState>
        ) : (
          <>
            <div className="table-wrap" tabIndex={0} role="region" aria-label="Report runs">
              <table className="table history-table">
                <thead>
                  <tr>
                    <th scope="col">Due</th>
                    <th scope="col">Report</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">Attempts</th>
                    <th scope="col">Finished</th>
                    <th scope="col" className="num">Size</th>
                    <th scope="col">Details</th>
                    <th scope="col"><span className="visually-hidden">File</span></th>
                  </tr>
                </thead>
                <tbody>
                  {runs.map((r) => (
                    <RunRow key={r.id} run={r} title={typeTitle(catalog, r.report, r.type)} when={when} locale={locale}
                            busy={download.isPending && download.variables?.id === r.id}
                            onDownload={() => download.mutate(r)} />
                  ))}
                </tbody>
              </table>
            </div>
            {runs.length >= limit && limit < 1000 && (
              <div className="report-more">
                <span className="subtle">The latest {runs.length} runs</span>
                <button type="button" className="btn btn-sm" onClick={() => setLimit((l) => Math.min(1000, l + 200))}
                        disabled={history.isFetching}>Show older runs</button>
              </div>
            )}
          </>
        )}
      </div>
    </section>
  );
}

function RunRow({ run, title, when, locale, busy, onDownload }: {
  run: Run; title: string; when: (iso: string | null) => string; locale?: string;
  busy: boolean; onDownload: () => void;
}) {
  const badge = kStatusBadges[run.status] ?? { label: run.status, cls: 'badge' };
  const details = run.status === 'retrying' && run.next_attempt_at
    ? `Next attempt ${when(run.next_attempt_at)}${run.error ? ` · ${run.error}` : ''}`
    : run.error ?? '';
  return (
    <tr data-run-id={run.id} data-status={run.status}>
      <th scope="row" className="nowrap">{when(run.due_at)}</th>
      <td>{title}</td>
      <td><span className={badge.cls}>{badge.label}</span></td>
      <td className="num">{run.attempts}</td>
      <td className="nowrap">{run.finished_at ? when(run.finished_at) : run.status === 'running' ? 'in progress' : '—'}</td>
      <td className="num nowrap">{run.file && run.size > 0 ? formatBytes(run.size, locale) : '—'}</td>
      <td className="run-details">{details ? <span className={run.status === 'sent' ? 'muted' : 'run-error'}>{details}</span> : <span className="subtle">—</span>}</td>
      <td className="actions-cell">
        {run.file ? (
          <button type="button" className="btn btn-sm" onClick={onDownload} disabled={busy} data-download-run={run.id}
                  aria-label={`Download the file of the ${title} run due ${when(run.due_at)}`}>
            <Icon name="download" size={16} />{busy ? 'Downloading…' : 'Download'}
          </button>
        ) : <span className="subtle">no file</span>}
      </td>
    </tr>
  );
}
