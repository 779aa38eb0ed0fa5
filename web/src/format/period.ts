// Periods as ../shared/spec/metrics.md names them: a day `2024-01-15`, an ISO week `2024-W03`,
// a month `2024-01`, a quarter `2024-Q1`, a year `2024`, each in the tenant's time zone.
// "Now" is read in the tenant's zone (TZDate), so a Berlin tenant's day turns at Berlin
// midnight whatever the browser's zone.

import { TZDate } from '@date-fns/tz';
import { addDays, addMonths, addWeeks, addYears, getISOWeek, getISOWeekYear, setISOWeek,
  startOfISOWeek, setISOWeekYear } from 'date-fns';

export type Granularity = 'day' | 'week' | 'month' | 'quarter' | 'year';
export const kGranularities: Granularity[] = ['day', 'week', 'month', 'quarter', 'year'];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The period label holding `date` (a TZDate in the tenant's zone, or any Date read locally). */
export function periodOf(date: Date, g: Granularity): string {
  const y = date.getFullYear();
  switch (g) {
    case 'day':
      return `${y}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
    case 'week':
      return `${getISOWeekYear(date)}-W${pad(getISOWeek(date))}`;
    case 'month':
      return `${y}-${pad(date.getMonth() + 1)}`;
    case 'quarter':
      return `${y}-Q${Math.floor(date.getMonth() / 3) + 1}`;
    case 'year':
      return `${y}`;
  }
}

export function granularityOf(period: string): Granularity | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(period)) return 'day';
  if (/^\d{4}-W\d{2}$/.test(period)) return 'week';
  if (/^\d{4}-\d{2}$/.test(period)) return 'month';
  if (/^\d{4}-Q[1-4]$/.test(period)) return 'quarter';
  if (/^\d{4}$/.test(period)) return 'year';
  return null;
}

/** A date inside the period (its first day, at noon to stay clear of DST edges). */
export function anchorOf(period: string): Date | null {
  const g = granularityOf(period);
  if (!g) return null;
  const y = Number(period.slice(0, 4));
  switch (g) {
    case 'day':
      return new Date(y, Number(period.slice(5, 7)) - 1, Number(period.slice(8, 10)), 12);
    case 'week': {
      const w = Number(period.slice(6, 8));
      let d = new Date(y, 0, 4, 12);
      d = setISOWeekYear(d, y);
      d = setISOWeek(d, w);
      return startOfISOWeek(d);
    }
    case 'month':
      return new Date(y, Number(period.slice(5, 7)) - 1, 1, 12);
    case 'quarter':
      return new Date(y, (Number(period.slice(6, 7)) - 1) * 3, 1, 12);
    case 'year':
      return new Date(y, 0, 1, 12);
  }
}

/** The period `steps` periods after `period` (negative: before). */
export function shiftPeriod(period: string, steps: number): string {
  const g = granularityOf(period);
  const a = anchorOf(period);
  if (!g || !a) return period;
  const next = g === 'day' ? addDays(a, steps)
    : g === 'week' ? addWeeks(a, steps)
    : g === 'month' ? addMonths(a, steps)
    : g === 'quarter' ? addMonths(a, steps * 3)
    : addYears(a, steps);
  return periodOf(next, g);
}

/** The current period of granularity `g` in time zone `tz` (IANA), at `now`. */
export function currentPeriod(g: Granularity, tz: string, now: Date = new Date()): string {
  return periodOf(new TZDate(now.getTime(), tz), g);
}

// toLocaleDateString makes a formatter per call; these are made once per locale.
type DateStyle = 'day' | 'month' | 'short-day' | 'short-day-year' | 'short-month' | 'short-month-year';
const kDateStyles: Record<DateStyle, Intl.DateTimeFormatOptions> = {
  'day': { day: 'numeric', month: 'short', year: 'numeric' },
  'month': { month: 'long', year: 'numeric' },
  'short-day': { day: 'numeric', month: 'short' },
  'short-day-year': { day: 'numeric', month: 'short', year: 'numeric' },
  'short-month': { month: 'short' },
  'short-month-year': { month: 'short', year: 'numeric' },
};
const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(locale: string | undefined, style: DateStyle): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${style}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, kDateStyles[style]);
    dateFormats.set(key, f);
  }
  return f;
}

/** A readable name of a period: "January 2024", "Q1 2024", "Week 3, 2024", "15 Jan 2024". */
export function periodLabel(period: string, locale?: string): string {
  const g = granularityOf(period);
  const a = anchorOf(period);
  if (!g || !a) return period;
  switch (g) {
    case 'day':
      return dateFormat(locale, 'day').format(a);
    case 'week':
      return `Week ${Number(period.slice(6, 8))}, ${period.slice(0, 4)}`;
    case 'month':
      return dateFormat(locale, 'month').format(a);
    case 'quarter':
      return `${period.slice(5)} ${period.slice(0, 4)}`;
    case 'year':
      return period;
  }
}

/**
 * A period's short name, for a chart's axis: "Jan 2026", "W3 2026", "Q1 2026", "15 Jan 2026",
 * "2026"; without its year ("Jan", "W3", "Q1", "15 Jan") when `withYear` is false. Anything
 * that is not a period is returned as it is.
 */
export function shortPeriodLabel(period: string, locale?: string, withYear = true): string {
  const g = granularityOf(period);
  const a = anchorOf(period);
  if (!g || !a) return period;
  const year = withYear ? ` ${period.slice(0, 4)}` : '';
  switch (g) {
    case 'day':
      return dateFormat(locale, withYear ? 'short-day-year' : 'short-day').format(a);
    case 'week':
      return `W${Number(period.slice(6, 8))}${year}`;
    case 'month':
      return dateFormat(locale, withYear ? 'short-month-year' : 'short-month').format(a);
    case 'quarter':
      return `${period.slice(5)}${year}`;
    case 'year':
      return period;
  }
}

/**
 * The axis labels of a run of periods, each in its short form (shortPeriodLabel). When they all
 * fall in one year, the year is written on the first label only ("Jan 2026", "Feb", "Mar"…);
 * when they span years, on every label, since the axis may not show the one where it changes.
 * A week's year is its ISO week-year.
 */
export function axisPeriodLabels(periods: readonly string[], locale?: string): string[] {
  const oneYear = periods.every((p) => p.slice(0, 4) === periods[0]?.slice(0, 4));
  return periods.map((p, i) => shortPeriodLabel(p, locale, !oneYear || i === 0));
}
