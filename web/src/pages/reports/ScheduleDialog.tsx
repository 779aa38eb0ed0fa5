// Create an e-mail schedule: which report (and its parameters), which period each run covers,
// the file format, when (a frequency in words, or a cron expression) in which time zone, to
// whom, and the subject. Checked here first, then by the server, whose field errors are shown
// on the fields they name.
import { useId, useMemo, useState } from 'react';
import { ApiError } from '../../api/client';
import {
  kFormatLabels, kPeriodRules, useCreateSchedule, type CatalogReport, type FileFormat, type Schedule,
} from '../../api/reports';
import { Dialog } from '../../components/Dialog';
import { adviceFor } from '../../components/States';
import { paramLabel, paramValueLabel, reportLabel } from './labels';
import {
  cronOf, describeCron, kFrequencies, kWeekdays, serverErrors, toScheduleRequest, validateDraft,
  type DraftErrors, type DraftField, type Frequency, type ScheduleDraft,
} from './scheduleForm';

function timeZones(current: string): string[] {
  let zones: string[] = [];
  try {
    zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    zones = [];
  }
  return Array.from(new Set(['UTC', current, ...zones])).filter(Boolean);
}

export function ScheduleDialog({ org, reports, initial, timezone, onClose, onCreated }: {
  org: string;
  /** The reports the caller's roles may schedule. */
  reports: CatalogReport[];
  initial: ScheduleDraft;
  timezone: string;
  onClose: () => void;
  onCreated: (s: Schedule | null) => void;
}) {
  const [d, setD] = useState<ScheduleDraft>(initial);
  const [errors, setErrors] = useState<DraftErrors>({});
  const [problem, setProblem] = useState<{ message: string; other: string[]; advice: string } | null>(null);
  const create = useCreateSchedule(org);
  const ids = useId();
  const zones = useMemo(() => timeZones(timezone), [timezone]);

  const spec = reports.find((r) => r.report === d.report)?.types.find((t) => t.type === d.type);
  const ownParams = spec?.parameters.filter((p) => p.name !== 'period') ?? [];
  const cron = cronOf(d);
  const words = describeCron(cron);

  const set = <K extends keyof ScheduleDraft>(k: K, v: ScheduleDraft[K], field?: DraftField) => {
    setD((x) => ({ ...x, [k]: v }));
    if (field && errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setProblem(null);
    const found = validateDraft(d);
    setErrors(found);
    if (Object.values(found).some(Boolean)) {
      const first = (Object.keys(found) as DraftField[]).find((k) => found[k]);
      if (first) document.getElementById(`${ids}-${first}`)?.focus();
      return;
    }
    try {
      const created = await create.mutateAsync(toScheduleRequest(org, d));
      onCreated(created);
    } catch (err) {
      if (err instanceof ApiError) {
        const { byField, other } = serverErrors(err.fields);
        setErrors(byField);
        setProblem({ message: err.detail || err.title, other, advice: adviceFor(err) });
        const first = (Object.keys(byField) as DraftField[]).find((k) => byField[k]);
        if (first) document.getElementById(`${ids}-${first}`)?.focus();
      } else {
        setProblem({ message: 'The server could not be reached.', other: [], advice: adviceFor(err) });
      }
    }
  };

  const fieldProps = (f: DraftField) => ({
    id: `${ids}-${f}`,
    'aria-invalid': errors[f] ? true : undefined,
    'aria-describedby': errors[f] ? `${ids}-${f}-error` : undefined,
  });
  const err = (f: DraftField) => errors[f] && <span className="field-error" id={`${ids}-${f}-error`}>{errors[f]}</span>;

  return (
    <Dialog title="New schedule" wide onClose={onClose}
            footer={<>
              <button className="btn" type="button" onClick={onClose}>Cancel</button>
              <button className="btn btn-primary" type="submit" form={`${ids}-form`} disabled={create.isPending}>
                {create.isPending ? 'Creating…' : 'Create schedule'}
              </button>
            </>}>
      <form id={`${ids}-form`} className="schedule-form" onSubmit={submit} noValidate>
        <p className="subtle">Each run builds the report as of its due time and e-mails the file to the recipients.</p>
        <div className="grid-2">
          <div className="field">
            <label htmlFor={`${ids}-type`}>Report</label>
            <select className="select" {...fieldProps('type')} value={`${d.report}/${d.type}`}
                    onChange={(e) => {
                      const [report, type] = e.target.value.split('/');
                      setD((x) => ({ ...x, report, type, parameters: {} }));
                      setErrors((x) => ({ ...x, report: undefined, type: undefined, parameters: undefined }));
                    }}>
              {reports.map((r) => (
                <optgroup key={r.report} label={reportLabel(r.report)}>
                  {r.types.map((t) => <option key={t.type} value={`${r.report}/${t.type}`}>{t.title}</option>)}
                </optgroup>
              ))}
            </select>
            {err('type') || err('report')}
          </div>
          <div className="field">
            <label htmlFor={`${ids}-format`}>File format</label>
            <select className="select" {...fieldProps('format')} value={d.format}
                    onChange={(e) => set('format', e.target.value as FileFormat, 'format')}>
              {(Object.keys(kFormatLabels) as FileFormat[]).map((f) => <option key={f} value={f}>{kFormatLabels[f]}</option>)}
            </select>
            {d.format === 'csv' && <span className="subtle">A CSV file holds the report's first table.</span>}
            {err('format')}
          </div>
        </div>
        {ownParams.length > 0 && (
          <div className="grid-2">
            {ownParams.map((p) => (
              <div className="field" key={p.name}>
                <label htmlFor={`${ids}-param-${p.name}`}>{paramLabel(p.name)}</label>
                {p.values ? (
                  <select className="select" id={`${ids}-param-${p.name}`} value={d.parameters[p.name] ?? p.default ?? p.values[0]}
                          onChange={(e) => set('parameters', { ...d.parameters, [p.name]: e.target.value }, 'parameters')}
                          title={p.description}>
                    {p.values.map((v) => <option key={v} value={v}>{paramValueLabel(p.name, v)}</option>)}
                  </select>
                ) : (
                  <input className="input" id={`${ids}-param-${p.name}`} value={d.parameters[p.name] ?? p.default ?? ''}
                         onChange={(e) => set('parameters', { ...d.parameters, [p.name]: e.target.value }, 'parameters')}
                         aria-describedby={`${ids}-param-${p.name}-help`} />
                )}
                {!p.values && <span className="subtle" id={`${ids}-param-${p.name}-help`}>{p.description}</span>}
              </div>
            ))}
            {err('parameters')}
          </div>
        )}
        <div className="grid-2">
          <div className="field">
            <label htmlFor={`${ids}-period`}>Period of each run</label>
            <select className="select" id={`${ids}-period`} value={d.periodMode}
                    aria-invalid={errors.period && d.periodMode !== 'fixed' ? true : undefined}
                    onChange={(e) => set('periodMode', e.target.value as ScheduleDraft['periodMode'], 'period')}>
              {kPeriodRules.map((r) => <option key={r.value} value={r.value}>{r.label}</option>)}
              <option value="fixed">A fixed period…</option>
            </select>
            {d.periodMode !== 'fixed' && err('period')}
          </div>
          {d.periodMode === 'fixed' && (
            <div className="field">
              <label htmlFor={`${ids}-fixed`}>Fixed period</label>
              <input className="input" id={`${ids}-fixed`} value={d.fixedPeriod} placeholder="2024-Q1"
                     aria-invalid={errors.period ? true : undefined}
                     aria-describedby={errors.period ? `${ids}-period-error` : `${ids}-fixed-help`}
                     onChange={(e) => set('fixedPeriod', e.target.value, 'period')} />
              {err('period') || <span className="subtle" id={`${ids}-fixed-help`}>A day, week (2024-W03), month, quarter or year.</span>}
            </div>
          )}
        </div>
        <fieldset className="field schedule-when">
          <legend>When</legend>
          <div className="schedule-when-grid">
            <div className="field">
              <label htmlFor={`${ids}-frequency`}>Frequency</label>
              <select className="select" id={`${ids}-frequency`} value={d.frequency}
                      onChange={(e) => {
                        const f = e.target.value as Frequency;
                        setD((x) => ({ ...x, frequency: f, cron: f === 'custom' && !x.cron ? cronOf(x) : x.cron }));
                        setErrors((x) => ({ ...x, cron: undefined }));
                      }}>
                {kFrequencies.map((f) => <option key={f.value} value={f.value}>{f.label}</option>)}
              </select>
            </div>
            {d.frequency === 'weekly' && (
              <div className="field">
                <label htmlFor={`${ids}-weekday`}>Day of the week</label>
                <select className="select" id={`${ids}-weekday`} value={d.weekday}
                        onChange={(e) => set('weekday', Number(e.target.value))}>
                  {[1, 2, 3, 4, 5, 6, 0].map((w) => <option key={w} value={w}>{kWeekdays[w]}</option>)}
                </select>
              </div>
            )}
            {(d.frequency === 'monthly' || d.frequency === 'quarterly') && (
              <div className="field">
                <label htmlFor={`${ids}-dom`}>Day of the month</label>
                <select className="select" id={`${ids}-dom`} value={d.dayOfMonth}
                        onChange={(e) => set('dayOfMonth', Number(e.target.value), 'cron')}>
                  {Array.from({ length: 28 }, (_, i) => i + 1).map((n) => <option key={n} value={n}>{n}</option>)}
                </select>
              </div>
            )}
            {d.frequency !== 'custom' ? (
              <div className="field">
                <label htmlFor={`${ids}-cron`}>Time of day</label>
                <input className="input" type="time" {...fieldProps('cron')} value={d.time} required
                       onChange={(e) => set('time', e.target.value, 'cron')} />
              </div>
            ) : (
              <div className="field schedule-cron">
                <label htmlFor={`${ids}-cron`}>Cron expression</label>
                <input className="input mono" {...fieldProps('cron')} value={d.cron} placeholder="0 8 1 * *"
                       spellCheck={false} autoCapitalize="off" autoComplete="off"
                       aria-describedby={errors.cron ? `${ids}-cron-error` : `${ids}-cron-help`}
                       onChange={(e) => set('cron', e.target.value, 'cron')} />
                {!errors.cron && <span className="subtle" id={`${ids}-cron-help`}>Five fields: minute hour day-of-month month day-of-week.</span>}
              </div>
            )}
          </div>
          {err('cron')}
          <p className="subtle" aria-live="polite">
            Runs: <span className="mono">{cron || '—'}</span>{words && <> · {words}</>} ({d.timezone || 'no time zone'})
          </p>
        </fieldset>
        <div className="field">
          <label htmlFor={`${ids}-timezone`}>Time zone</label>
          <input className="input" {...fieldProps('timezone')} list={`${ids}-zones`} value={d.timezone}
                 autoComplete="off" spellCheck={false}
                 onChange={(e) => set('timezone', e.target.value, 'timezone')} />
          <datalist id={`${ids}-zones`}>{zones.map((z) => <option key={z} value={z} />)}</datalist>
          {err('timezone') || <span className="subtle">The cron expression is read in this zone. The organization's is {timezone}.</span>}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-recipients`}>Recipients</label>
          <textarea className="textarea schedule-recipients" {...fieldProps('recipients')} value={d.recipients}
                    placeholder={'cfo@example.com\nteam@example.com'} spellCheck={false} autoCapitalize="off"
                    aria-describedby={errors.recipients ? `${ids}-recipients-error` : `${ids}-recipients-help`}
                    onChange={(e) => set('recipients', e.target.value, 'recipients')} />
          {err('recipients') || <span className="subtle" id={`${ids}-recipients-help`}>E-mail addresses, one per line or separated by commas (at most 100).</span>}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-subject`}>Subject <span className="subtle">(optional)</span></label>
          <input className="input" {...fieldProps('subject')} value={d.subject} maxLength={200}
                 placeholder={`${spec?.title ?? 'Report'} — ${org} — <period>`}
                 onChange={(e) => set('subject', e.target.value, 'subject')} />
          {err('subject')}
        </div>
        {problem && (
          <div className="alert alert-error" role="alert">
            <p>The schedule was not created: {problem.message}</p>
            {problem.other.length > 0 && <ul>{problem.other.map((o) => <li key={o}>{o}</li>)}</ul>}
            {problem.advice && <p>{problem.advice}</p>}
          </div>
        )}
      </form>
    </Dialog>
  );
}
