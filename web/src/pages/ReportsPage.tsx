// Reports (web.md "Reports"): choose a report and type from the catalog, its parameters and
// period (kept in the address: ?report=&type=&period=&compare=), preview the document, export
// it as PDF, XLSX or CSV, and manage the e-mail schedules and their run history.
import { useMemo, useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { ApiError } from '../api/client';
import {
  kFormatLabels, useExport, useReportCatalog, useReportPreview, useSchedules,
  type CatalogReport, type CatalogType, type FileFormat, type Schedule,
} from '../api/reports';
import { useTenant } from '../api/tenant';
import { canRead, isAdmin, kDomainLabels, type Domain } from '../auth/roles';
import { loadSession } from '../auth/session';
import { Icon } from '../components/Icon';
import { PeriodPicker } from '../components/PeriodPicker';
import { adviceFor, ErrorState, LoadingState } from '../components/States';
import { currentPeriod } from '../format/period';
import { formatDateTime, isValidPeriod } from './reports/format';
import { HistoryPanel } from './reports/HistoryPanel';
import { paramLabel, paramValueLabel, reportLabel } from './reports/labels';
import { ReportPreview } from './reports/ReportPreview';
import { ScheduleDialog } from './reports/ScheduleDialog';
import type { ScheduleDraft } from './reports/scheduleForm';
import { SchedulesPanel } from './reports/SchedulesPanel';
import './reports/reports.css';

const kExportFormats: FileFormat[] = ['pdf', 'xlsx', 'csv'];

function mayRun(roles: readonly string[], r: CatalogReport): boolean {
  if (isAdmin(roles)) return true;
  return r.domain in kDomainLabels ? canRead(roles, r.domain as Domain) : false;
}

export function ReportsPage() {
  const { org = '' } = useParams();
  const tenant = useTenant();
  const roles = loadSession()?.claims.roles ?? [];
  const catalog = useReportCatalog();
  const [params, setParams] = useSearchParams();

  const allowed = useMemo(() => catalog.data?.reports.filter((r) => mayRun(roles, r)) ?? [],
    [catalog.data, roles.join(',')]); // eslint-disable-line react-hooks/exhaustive-deps
  const withheld = catalog.data?.reports.filter((r) => !mayRun(roles, r)) ?? [];

  // The selection, from the address; anything unknown falls back to the first report allowed.
  const reqReport = allowed.find((r) => r.report === params.get('report')) ?? allowed[0];
  const spec: CatalogType | undefined = reqReport?.types.find((t) => t.type === params.get('type')) ?? reqReport?.types[0];
  const urlPeriod = params.get('period');
  const period = isValidPeriod(urlPeriod) ? urlPeriod : currentPeriod('month', tenant.timezone);
  const ownParams = spec?.parameters.filter((p) => p.name !== 'period') ?? [];
  const paramValues = useMemo(() => {
    const out: Record<string, string> = {};
    for (const p of ownParams) {
      const v = params.get(p.name);
      if (v !== null && v !== '' && (!p.values || p.values.includes(v))) out[p.name] = v;
    }
    return out;
  }, [ownParams, params]);

  const query = reqReport && spec
    ? { report: reqReport.report, type: spec.type, period, parameters: paramValues }
    : null;
  const preview = useReportPreview(org, query);
  const exporter = useExport();
  const schedules = useSchedules(org);

  const [scheduling, setScheduling] = useState<ScheduleDraft | null>(null);
  const [scheduleNotice, setScheduleNotice] = useState<string | null>(null);
  const [runsOf, setRunsOf] = useState('');

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
    // A message about the last file belongs to the last selection.
    exporter.reset();
  };

  const chooseReport = (value: string) => {
    const [report, type] = value.split('/');
    const changes: Record<string, string | null> = { report, type };
    // Parameters belong to a type: drop the old type's.
    for (const p of ownParams) changes[p.name] = null;
    update(changes);
  };

  const runExport = (format: FileFormat, section?: string) => {
    if (!query) return;
    exporter.mutate({
      format,
      body: {
        organization_id: org,
        report: query.report,
        type: query.type,
        period: query.period,
        ...(Object.keys(query.parameters).length ? { parameters: query.parameters } : {}),
        ...(section ? { section } : {}),
      },
    });
  };
  const exporting = (format: FileFormat, section?: string) => exporter.isPending
    && exporter.variables?.format === format && (exporter.variables?.body.section ?? '') === (section ?? '');

  const newSchedule = () => {
    setScheduleNotice(null);
    setScheduling({
      report: query?.report ?? allowed[0]?.report ?? '',
      type: query?.type ?? allowed[0]?.types[0]?.type ?? '',
      parameters: { ...paramValues },
      periodMode: 'previous_month',
      fixedPeriod: period,
      format: 'pdf',
      frequency: 'monthly',
      time: '08:00',
      weekday: 1,
      dayOfMonth: 1,
      cron: '',
      timezone: tenant.timezone,
      recipients: '',
      subject: '',
    });
  };

  const onCreated = (s: Schedule | null) => {
    setScheduling(null);
    setScheduleNotice(s
      ? `Schedule created. ${s.next_run_at ? `Its first run is due ${formatDateTime(s.next_run_at, tenant.timezone, tenant.locale)} (${tenant.timezone}).` : 'It has no run due within 100 years.'}`
      : 'Schedule created.');
  };

  const showRuns = (id: string) => {
    setRunsOf(id);
    const h = document.getElementById('history-title');
    h?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };

  if (catalog.isPending) {
    return <div className="page reports-page"><h1>Reports</h1><LoadingState label="Loading the reports…" /></div>;
  }
  if (catalog.isError) {
    return (
      <div className="page reports-page">
        <h1>Reports</h1>
        <ErrorState title="The reports could not be loaded" error={catalog.error} retry={() => catalog.refetch()} />
      </div>
    );
  }

  const exportError = exporter.isError ? exporter.error : null;

  return (
    <div className="page reports-page" data-org={org} data-period={period}>
      <div className="page-header">
        <div>
          <h1>Reports</h1>
          <p className="subtitle">{tenant.name || org} · preview, download and e-mail statements and operational reports</p>
        </div>
      </div>

      {allowed.length === 0 ? (
        <ErrorState title="No reports for your roles"
                    detail="Every report needs a role of its domain (finance, crm, hrm, inventory or projects). Ask an administrator for access." />
      ) : (
        <>
          <section className="card reports-controls" aria-label="Report options">
            <div className="reports-controls-row">
              <div className="field report-choice">
                <label htmlFor="report-choice">Report</label>
                <select id="report-choice" className="select" value={`${reqReport?.report}/${spec?.type}`}
                        onChange={(e) => chooseReport(e.target.value)} aria-describedby="report-choice-help">
                  {allowed.map((r) => (
                    <optgroup key={r.report} label={reportLabel(r.report)}>
                      {r.types.map((t) => <option key={t.type} value={`${r.report}/${t.type}`}>{t.title}</option>)}
                    </optgroup>
                  ))}
                </select>
                <span className="subtle" id="report-choice-help">{spec?.description}</span>
              </div>
              {ownParams.map((p) => (
                <div className="field report-param" key={p.name}>
                  <label htmlFor={`report-param-${p.name}`}>{paramLabel(p.name)}</label>
                  {p.values ? (
                    <select id={`report-param-${p.name}`} className="select" title={p.description}
                            value={paramValues[p.name] ?? p.default ?? p.values[0]}
                            onChange={(e) => update({ [p.name]: e.target.value === p.default ? null : e.target.value })}>
                      {p.values.map((v) => <option key={v} value={v}>{paramValueLabel(p.name, v)}</option>)}
                    </select>
                  ) : (
                    <input id={`report-param-${p.name}`} className="input" title={p.description}
                           defaultValue={paramValues[p.name] ?? p.default ?? ''}
                           onBlur={(e) => update({ [p.name]: e.target.value.trim() || null })} />
                  )}
                </div>
              ))}
            </div>
            <div className="reports-controls-row reports-period">
              <PeriodPicker period={period} timezone={tenant.timezone} locale={tenant.locale}
                            onChange={(p) => update({ period: p })} />
            </div>
            <div className="export-bar" role="group" aria-labelledby="export-label">
              <span id="export-label" className="export-label">Download</span>
              {kExportFormats.map((f) => (
                <button key={f} type="button" className="btn" data-export={f} onClick={() => runExport(f)}
                        disabled={!query || exporting(f)} aria-busy={exporting(f) || undefined}
                        title={f === 'csv' ? 'The first table of the report; each table also has its own CSV button.' : undefined}>
                  <Icon name="download" size={16} />
                  {exporting(f) ? `Preparing ${f.toUpperCase()}…` : kFormatLabels[f]}
                </button>
              ))}
              <button type="button" className="btn btn-ghost" onClick={newSchedule}>
                <Icon name="plus" size={16} />Schedule this report
              </button>
            </div>
            <div aria-live="polite" className="export-status">
              {exporter.isSuccess && <p className="subtle">Downloaded <span className="mono">{exporter.data.filename}</span></p>}
            </div>
            {exportError && (
              <div className="alert alert-error" role="alert">
                <p>The {kFormatLabels[exporter.variables!.format]} file could not be made: {exportError instanceof ApiError
                  ? exportError.detail || exportError.title : 'the server could not be reached.'}</p>
                {exportError instanceof ApiError && exportError.fields.length > 0 && (
                  <ul>{exportError.fields.map((f) => <li key={f.field}><b>{f.field}</b>: {f.message}</li>)}</ul>
                )}
                {exportError instanceof ApiError && exportError.status === 413
                  ? <p>Choose a shorter period, download one table as CSV, or another format.</p>
                  : adviceFor(exportError) && <p>{adviceFor(exportError)}</p>}
              </div>
            )}
            {withheld.length > 0 && (
              <p className="subtle reports-withheld">
                Not listed (your roles do not cover them): {withheld.map((r) => `${reportLabel(r.report)} (needs ${r.domain in kDomainLabels ? kDomainLabels[r.domain as Domain] : r.domain} access)`).join(', ')}.
              </p>
            )}
          </section>

          <section className="reports-block" aria-labelledby="preview-title">
            <div className="reports-block-head">
              <h2 id="preview-title">Preview</h2>
              {preview.isFetching && preview.data && <span className="subtle" role="status">Updating…</span>}
            </div>
            {preview.isPending ? (
              <div className="card"><LoadingState label="Building the report…" /></div>
            ) : preview.isError ? (
              <div className="card">
                <ErrorState title="The report could not be built" error={preview.error} retry={() => preview.refetch()} />
              </div>
            ) : (
              <ReportPreview doc={preview.data} org={org} timezone={tenant.timezone}
                             ctx={{ locale: tenant.locale, currency: tenant.currency }}
                             updating={preview.isPlaceholderData}
                             onCsv={(section) => runExport('csv', section)}
                             csvBusy={exporter.isPending && exporter.variables?.format === 'csv' ? exporter.variables.body.section ?? null : null} />
            )}
          </section>
        </>
      )}

      <SchedulesPanel org={org} catalog={catalog.data} timezone={tenant.timezone} locale={tenant.locale}
                      onNew={newSchedule} onShowRuns={showRuns} canCreate={allowed.length > 0} notice={scheduleNotice} />

      <HistoryPanel org={org} catalog={catalog.data} schedules={schedules.data?.schedules ?? []}
                    scheduleId={runsOf} onScheduleId={setRunsOf} timezone={tenant.timezone} locale={tenant.locale} />

      {scheduling && (
        <ScheduleDialog org={org} reports={allowed} initial={scheduling} timezone={tenant.timezone}
                        onClose={() => setScheduling(null)} onCreated={onCreated} />
      )}
    </div>
  );
}
