// The organization's e-mail schedules (GET /reports/scheduled/{org}): what runs when, to whom,
// and the next run; delete with a confirmation (DELETE /reports/scheduled/{id}).
import { useState } from 'react';
import { ApiError } from '../../api/client';
import { fileFormatOf, kFormatLabels, useDeleteSchedule, useSchedules, type ReportCatalog, type Schedule } from '../../api/reports';
import { Dialog } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { adviceFor, EmptyState, ErrorState, LoadingState } from '../../components/States';
import { formatDateTime } from './format';
import { paramLabel, paramValueLabel, schedulePeriodLabel, typeTitle } from './labels';
import { describeCron } from './scheduleForm';

export function SchedulesPanel({ org, catalog, timezone, locale, onNew, onShowRuns, canCreate, notice }: {
  org: string;
  catalog?: ReportCatalog;
  timezone: string;
  locale?: string;
  onNew: () => void;
  onShowRuns: (scheduleId: string) => void;
  canCreate: boolean;
  notice?: string | null;
}) {
  const schedules = useSchedules(org);
  const [deleting, setDeleting] = useState<Schedule | null>(null);
  const list = schedules.data?.schedules ?? [];

  return (
    <section className="reports-block" aria-labelledby="schedules-title">
      <div className="reports-block-head">
        <div>
          <h2 id="schedules-title">Schedules</h2>
          <p className="subtle">Reports e-mailed on a timetable, with the file attached.</p>
        </div>
        {canCreate && (
          <button type="button" className="btn btn-primary" onClick={onNew} data-action="new-schedule">
            <Icon name="plus" />New schedule
          </button>
        )}
      </div>
      {notice && <p className="alert alert-info" role="status">{notice}</p>}
      <div className="card">
        {schedules.isPending ? <LoadingState label="Loading the schedules…" /> : schedules.isError ? (
          <ErrorState title="The schedules could not be loaded" error={schedules.error} retry={() => schedules.refetch()} />
        ) : list.length === 0 ? (
          <EmptyState title="No schedules yet"
                      action={canCreate ? <button type="button" className="btn" onClick={onNew}>Schedule a report</button> : undefined}>
            {canCreate
              ? 'Schedule a report to have it e-mailed every day, week, month or quarter.'
              : 'Your roles do not cover any report, so you cannot schedule one.'}
          </EmptyState>
        ) : (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Schedules">
            <table className="table schedules-table">
              <thead>
                <tr>
                  <th scope="col">Report</th>
                  <th scope="col">Period</th>
                  <th scope="col">Format</th>
                  <th scope="col">When</th>
                  <th scope="col">Recipients</th>
                  <th scope="col">Next run</th>
                  <th scope="col"><span className="visually-hidden">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {list.map((s) => {
                  const title = typeTitle(catalog, s.report, s.type);
                  const words = describeCron(s.cron);
                  const fmt = fileFormatOf(s.format);
                  const params = Object.entries(s.parameters ?? {});
                  return (
                    <tr key={s.id} data-schedule-id={s.id}>
                      <th scope="row">
                        <span className="cell-main">{title}</span>
                        {params.length > 0 && (
                          <span className="subtle cell-sub">
                            {params.map(([k, v]) => `${paramLabel(k)}: ${paramValueLabel(k, v).toLowerCase()}`).join(' · ')}
                          </span>
                        )}
                        {s.subject && <span className="subtle cell-sub">“{s.subject}”</span>}
                      </th>
                      <td>{schedulePeriodLabel(s.period, locale)}</td>
                      <td>{fmt ? kFormatLabels[fmt] : s.format}</td>
                      <td>
                        <span className="cell-main">{words ?? <span className="mono">{s.cron}</span>}</span>
                        <span className="subtle cell-sub">{words && <span className="mono">{s.cron}</span>} {s.timezone}</span>
                      </td>
                      <td className="recipients-cell">
                        <Recipients list={s.recipients} />
                      </td>
                      <td>{s.next_run_at ? formatDateTime(s.next_run_at, timezone, locale) : 'none'}</td>
                      <td className="actions-cell">
                        <button type="button" className="btn btn-ghost btn-sm" onClick={() => onShowRuns(s.id)}
                                aria-label={`Show the runs of the ${title} schedule`}>Runs</button>
                        <button type="button" className="btn btn-ghost btn-sm btn-danger" onClick={() => setDeleting(s)}
                                aria-label={`Delete the ${title} schedule`} data-action="delete-schedule">
                          <Icon name="trash" size={16} />Delete
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>
      {deleting && (
        <DeleteScheduleDialog org={org} schedule={deleting} title={typeTitle(catalog, deleting.report, deleting.type)}
                              onClose={() => setDeleting(null)} />
      )}
    </section>
  );
}

function Recipients({ list }: { list: string[] }) {
  const shown = list.slice(0, 2);
  const more = list.length - shown.length;
  return (
    <span title={list.join(', ')}>
      {/* One address a line, each unbroken (an address broken at its hyphens reads as two). */}
      {shown.map((r, i) => <span key={r} className="recipient">{r}{i < shown.length - 1 || more > 0 ? ',' : ''}</span>)}
      {more > 0 && <span className="subtle recipient">and {more} more</span>}
    </span>
  );
}

function DeleteScheduleDialog({ org, schedule, title, onClose }: {
  org: string; schedule: Schedule; title: string; onClose: () => void;
}) {
  const del = useDeleteSchedule(org);
  const [error, setError] = useState<unknown>(null);
  const confirm = async () => {
    setError(null);
    try {
      await del.mutateAsync(schedule.id);
      onClose();
    } catch (err) {
      // Gone already (deleted elsewhere): the list is refreshed, nothing left to do.
      if (err instanceof ApiError && err.status === 404) onClose();
      else setError(err);
    }
  };
  return (
    <Dialog title="Delete this schedule?" onClose={onClose}
            footer={<>
              <button type="button" className="btn" onClick={onClose}>Keep it</button>
              <button type="button" className="btn btn-primary btn-danger-solid" onClick={confirm} disabled={del.isPending}
                      data-action="confirm-delete">
                {del.isPending ? 'Deleting…' : 'Delete schedule'}
              </button>
            </>}>
      <p>
        <strong>{title}</strong> will no longer be e-mailed to {schedule.recipients.join(', ')}. Its past runs stay in the
        history; a run still retrying is stopped.
      </p>
      {error !== null && (
        <div className="alert alert-error" role="alert">
          The schedule was not deleted: {error instanceof ApiError ? error.detail || error.title : 'the server could not be reached.'}
          {adviceFor(error) && <> {adviceFor(error)}</>}
        </div>
      )}
    </Dialog>
  );
}
