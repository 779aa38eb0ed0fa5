// The schedule form as pure functions: a frequency picked in words becomes a 5-field cron
// expression (and known expressions are described in words again), the draft is checked before
// it is sent (the server checks again and names the field), and the server's field errors are
// put on the form's fields. Tested in scheduleForm.test.ts.
import { kApiFormat, type FileFormat, type PeriodRule, type ScheduleRequest } from '../../api/reports';
import { granularityOf } from '../../format/period';

export type Frequency = 'daily' | 'weekdays' | 'weekly' | 'monthly' | 'quarterly' | 'custom';

export const kFrequencies: { value: Frequency; label: string }[] = [
  { value: 'daily', label: 'Every day' },
  { value: 'weekdays', label: 'Every weekday (Mon–Fri)' },
  { value: 'weekly', label: 'Every week' },
  { value: 'monthly', label: 'Every month' },
  { value: 'quarterly', label: 'Every quarter' },
  { value: 'custom', label: 'Custom (cron expression)' },
];

export const kWeekdays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export interface ScheduleDraft {
  report: string;
  type: string;
  parameters: Record<string, string>;
  /** A rule resolved at each run, or `fixed` for `fixedPeriod`. */
  periodMode: PeriodRule | 'fixed';
  fixedPeriod: string;
  format: FileFormat;
  frequency: Frequency;
  /** `HH:MM`, local to `timezone`. */
  time: string;
  /** 0 (Sunday) … 6, for `weekly`. */
  weekday: number;
  /** 1 … 28, for `monthly` and `quarterly` (every month has it). */
  dayOfMonth: number;
  /** The expression itself, for `custom`. */
  cron: string;
  timezone: string;
  /** Addresses separated by commas, semicolons, spaces or new lines. */
  recipients: string;
  subject: string;
}

/** The form's fields that an error can be shown on. */
export type DraftField = 'report' | 'type' | 'parameters' | 'period' | 'format' | 'cron' | 'timezone'
  | 'recipients' | 'subject';
export type DraftErrors = Partial<Record<DraftField, string>>;

export function parseTime(time: string): { hour: number; minute: number } | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  if (!m) return null;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  if (hour > 23 || minute > 59) return null;
  return { hour, minute };
}

/** The 5-field cron expression (minute hour day-of-month month day-of-week) of the draft. */
export function cronOf(d: Pick<ScheduleDraft, 'frequency' | 'time' | 'weekday' | 'dayOfMonth' | 'cron'>): string {
  if (d.frequency === 'custom') return d.cron.trim().replace(/\s+/g, ' ');
  const t = parseTime(d.time) ?? { hour: 8, minute: 0 };
  const hm = `${t.minute} ${t.hour}`;
  switch (d.frequency) {
    case 'daily': return `${hm} * * *`;
    case 'weekdays': return `${hm} * * 1-5`;
    case 'weekly': return `${hm} * * ${d.weekday}`;
    case 'monthly': return `${hm} ${d.dayOfMonth} * *`;
    case 'quarterly': return `${hm} ${d.dayOfMonth} 1,4,7,10 *`;
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A cron expression in words when it is one the form makes ("Every month on day 1 at 08:00"), else null. */
export function describeCron(cron: string): string | null {
  const f = cron.trim().split(/\s+/);
  if (f.length !== 5) return null;
  const [mi, h, dom, mon, dow] = f;
  if (h === '*' && dom === '*' && mon === '*' && dow === '*') {
    if (mi === '*') return 'Every minute';
    const step = /^\*\/(\d{1,2})$/.exec(mi);
    if (step) return `Every ${Number(step[1])} minutes`;
    if (/^\d{1,2}$/.test(mi) && Number(mi) < 60) return `Every hour at ${pad(Number(mi))} past`;
    return null;
  }
  if (!/^\d{1,2}$/.test(mi) || !/^\d{1,2}$/.test(h) || Number(mi) > 59 || Number(h) > 23) return null;
  const at = `at ${pad(Number(h))}:${pad(Number(mi))}`;
  if (dom === '*' && mon === '*') {
    if (dow === '*') return `Every day ${at}`;
    if (dow === '1-5' || dow.toUpperCase() === 'MON-FRI') return `Every weekday ${at}`;
    if (/^[0-7]$/.test(dow)) return `Every ${kWeekdays[Number(dow) % 7]} ${at}`;
    return null;
  }
  if (/^\d{1,2}$/.test(dom) && dow === '*') {
    const day = Number(dom);
    if (day < 1 || day > 31) return null;
    if (mon === '*') return `Every month on day ${day} ${at}`;
    if (mon === '1,4,7,10' || mon === '*/3' || mon === '1-12/3') return `Every quarter (Jan, Apr, Jul, Oct) on day ${day} ${at}`;
  }
  return null;
}

/** The draft's frequency fields from a cron expression (for "schedule like this one"). */
export function frequencyOf(cron: string): Pick<ScheduleDraft, 'frequency' | 'time' | 'weekday' | 'dayOfMonth' | 'cron'> {
  const f = cron.trim().split(/\s+/);
  const base = { frequency: 'custom' as Frequency, time: '08:00', weekday: 1, dayOfMonth: 1, cron: cron.trim() };
  if (f.length !== 5 || !describeCron(cron)) return base;
  const [mi, h, dom, mon, dow] = f;
  if (!/^\d{1,2}$/.test(mi) || !/^\d{1,2}$/.test(h)) return base;
  const time = `${pad(Number(h))}:${pad(Number(mi))}`;
  if (dom === '*' && mon === '*') {
    if (dow === '*') return { ...base, frequency: 'daily', time };
    if (/^[0-7]$/.test(dow)) return { ...base, frequency: 'weekly', time, weekday: Number(dow) % 7 };
    return { ...base, frequency: 'weekdays', time };
  }
  const day = Number(dom);
  if (day > 28) return base;
  return { ...base, frequency: mon === '*' ? 'monthly' : 'quarterly', time, dayOfMonth: day };
}

/** The addresses of the recipients box, in order, blanks dropped. */
export function parseRecipients(text: string): string[] {
  return text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
}

// A bare ASCII address (no display name), as the server takes them.
const kEmail = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

export function isEmail(s: string): boolean {
  return s.length <= 254 && kEmail.test(s);
}

export function isTimeZone(tz: string): boolean {
  if (!tz.trim()) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz.trim() });
    return true;
  } catch {
    return false;
  }
}

const kCronField = /^[A-Za-z0-9*,/-]+$/;

/** What is wrong with the draft, by field; empty when it may be sent. */
export function validateDraft(d: ScheduleDraft): DraftErrors {
  const e: DraftErrors = {};
  if (!d.report) e.report = 'Choose a report.';
  if (!d.type) e.type = 'Choose a type of report.';
  if (d.periodMode === 'fixed') {
    if (!granularityOf(d.fixedPeriod.trim())) {
      e.period = 'Enter a period such as 2024-01-15, 2024-W03, 2024-01, 2024-Q1 or 2024.';
    }
  }
  if (d.frequency === 'custom') {
    const f = d.cron.trim().split(/\s+/).filter(Boolean);
    if (f.length === 0) e.cron = 'Enter a cron expression, e.g. 0 8 1 * * (08:00 on the 1st of every month).';
    else if (f.length !== 5) e.cron = `A cron expression has five fields (minute hour day month weekday); this has ${f.length}.`;
    else if (!f.every((x) => kCronField.test(x))) e.cron = 'Use digits, *, commas, ranges (1-5), steps (*/15) and names (MON, JAN) only.';
    else if (d.cron.trim().length > 200) e.cron = 'At most 200 characters.';
  } else {
    if (!parseTime(d.time)) e.cron = 'Enter a time of day as HH:MM.';
    else if ((d.frequency === 'monthly' || d.frequency === 'quarterly')
      && !(Number.isInteger(d.dayOfMonth) && d.dayOfMonth >= 1 && d.dayOfMonth <= 28)) {
      e.cron = 'Choose a day of the month from 1 to 28.';
    }
  }
  if (!isTimeZone(d.timezone)) e.timezone = 'Enter an IANA time zone, e.g. Europe/Berlin or UTC.';
  const rs = parseRecipients(d.recipients);
  if (rs.length === 0) e.recipients = 'Enter at least one e-mail address.';
  else if (rs.length > 100) e.recipients = `At most 100 recipients; there are ${rs.length}.`;
  else {
    const bad = rs.filter((r) => !isEmail(r));
    const seen = new Set<string>();
    const twice = rs.filter((r) => { const k = r.toLowerCase(); if (seen.has(k)) return true; seen.add(k); return false; });
    if (bad.length) e.recipients = `Not an e-mail address: ${bad.join(', ')}`;
    else if (twice.length) e.recipients = `Listed twice: ${twice.join(', ')}`;
  }
  if (d.subject) {
    if (new TextEncoder().encode(d.subject).length > 200) e.subject = 'At most 200 bytes.';
    // eslint-disable-next-line no-control-regex
    else if (/[\u0000-\u001f\u007f]/.test(d.subject)) e.subject = 'No line breaks or control characters.';
  }
  return e;
}

/** The body of POST /reports/schedule. */
export function toScheduleRequest(org: string, d: ScheduleDraft): ScheduleRequest {
  const req: ScheduleRequest = {
    organization_id: org,
    report: d.report,
    type: d.type,
    period: d.periodMode === 'fixed' ? d.fixedPeriod.trim() : d.periodMode,
    format: kApiFormat[d.format],
    cron: cronOf(d),
    timezone: d.timezone.trim(),
    recipients: parseRecipients(d.recipients),
  };
  if (Object.keys(d.parameters).length > 0) req.parameters = { ...d.parameters };
  if (d.subject.trim()) req.subject = d.subject.trim();
  return req;
}

/**
 * The form field a server error names. Fields arrive as `recipients`, `recipients[2]`,
 * `/recipients/2`, `$.recipients[2]` or `parameters.compare`; unknown ones return null (shown
 * above the buttons).
 */
export function draftFieldOf(field: string): DraftField | null {
  const head = field.replace(/^\$?[./]?/, '').split(/[.[/]/)[0]?.trim().toLowerCase();
  switch (head) {
    case 'report': case 'type': case 'period': case 'format': case 'cron': case 'timezone':
    case 'recipients': case 'subject': case 'parameters':
      return head;
    case 'compare':
      return 'parameters';
    default:
      return null;
  }
}

/** Server field errors spread over the form's fields; the rest under `other`. */
export function serverErrors(fields: { field: string; message: string }[]): { byField: DraftErrors; other: string[] } {
  const byField: DraftErrors = {};
  const other: string[] = [];
  for (const f of fields) {
    const k = draftFieldOf(f.field);
    if (k) byField[k] = byField[k] ? `${byField[k]} ${f.message}` : f.message;
    else other.push(f.field ? `${f.field}: ${f.message}` : f.message);
  }
  return { byField, other };
}
