// Day / week / month / quarter / year, stepped with arrows, in the tenant's time zone.
import { anchorOf, currentPeriod, granularityOf, kGranularities, periodLabel, periodOf, shiftPeriod, type Granularity } from '../format/period';
import { Icon } from './Icon';

/** The period of granularity `to` for a reader looking at `period`: the current one when
 *  `period` is the current period (today's day, this quarter), else the one that holds the
 *  start of `period` (from March 2026 to the quarter: Q1 2026; to days: 1 March 2026), so the
 *  time in view stays in view. */
export function switchGranularity(period: string, to: Granularity, timezone: string, now: Date = new Date()): string {
  const g = granularityOf(period);
  const anchor = anchorOf(period);
  if (!g || !anchor || period === currentPeriod(g, timezone, now)) return currentPeriod(to, timezone, now);
  return periodOf(anchor, to);
}

export function PeriodPicker({ period, onChange, timezone, locale }: {
  period: string; onChange: (p: string) => void; timezone: string; locale?: string;
}) {
  const g = granularityOf(period) ?? 'month';
  const now = currentPeriod(g, timezone);
  const atNow = period >= now && period.length === now.length;
  return (
    <div className="period-picker" data-period={period}>
      <div className="segmented" role="group" aria-label="Granularity">
        {kGranularities.map((x: Granularity) => (
          <button type="button" key={x} aria-pressed={g === x} onClick={() => onChange(switchGranularity(period, x, timezone))}>
            {x[0].toUpperCase() + x.slice(1)}
          </button>
        ))}
      </div>
      <div className="period-step">
        <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label="Previous period"
                onClick={() => onChange(shiftPeriod(period, -1))}><Icon name="left" /></button>
        <span className="period-label" aria-live="polite">{periodLabel(period, locale)}</span>
        <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label="Next period" disabled={atNow}
                onClick={() => onChange(shiftPeriod(period, 1))}><Icon name="right" /></button>
      </div>
      <span className="subtle">{timezone}</span>
    </div>
  );
}
