// Numbers in the tenant's currency and the reader's locale. The raw API value always goes
// into `data-value` unformatted (web.md "Testing hooks"); these only make the visible text.

export type Unit = 'count' | 'money' | 'ratio' | 'percent' | 'hours' | 'days' | 'number';

export interface NumberContext {
  locale?: string;
  currency: string;
}

// Formatters are made once per locale and options: making one costs far more than using it
// (a phone spends milliseconds on each), and a dashboard formats hundreds of numbers.
const cache = new Map<string, Intl.NumberFormat>();
export function numberFormat(locale: string | undefined, opts: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale ?? ''}|${JSON.stringify(opts)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, opts);
    cache.set(key, f);
  }
  return f;
}

/**
 * The visible text of a metric value. null is shown as an em dash ("no value"). `compact` is for
 * a chart's axis labels: every label in the compact notation, small ones too ("$0", "$250",
 * "$500K"), so that one axis never mixes "$0.00" with "$500K".
 */
export function formatValue(value: number | null | undefined, unit: Unit, ctx: NumberContext,
                            compact = false): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const notation = compact ? 'compact' : 'standard';
  switch (unit) {
    case 'money':
      // The currency's own minor digits (2 for EUR, 0 for JPY, 3 for KWD) unless compacted.
      return numberFormat(ctx.locale, compact
        ? { style: 'currency', currency: ctx.currency, notation, minimumFractionDigits: 0,
            maximumFractionDigits: Math.abs(value) >= 1_000 ? 1 : 2 }
        : { style: 'currency', currency: ctx.currency }).format(value);
    case 'percent':
    case 'ratio':
      return unit === 'percent'
        ? numberFormat(ctx.locale, { style: 'percent', maximumFractionDigits: 1 }).format(value)
        : numberFormat(ctx.locale, { maximumFractionDigits: 2 }).format(value);
    case 'hours':
      return `${numberFormat(ctx.locale, { maximumFractionDigits: 1, notation }).format(value)} h`;
    case 'days':
      return `${numberFormat(ctx.locale, { maximumFractionDigits: 1 }).format(value)} d`;
    case 'count':
      return numberFormat(ctx.locale, { maximumFractionDigits: notation === 'compact' ? 1 : 0, notation }).format(value);
    default:
      return numberFormat(ctx.locale, { maximumFractionDigits: 2, notation }).format(value);
  }
}

const relative = new Map<string, Intl.RelativeTimeFormat>();

/** "as of 3 s ago" from an RFC 3339 time, relative to `now`. */
export function ago(iso: string | null | undefined, now: number, locale?: string): string {
  if (!iso) return 'no data yet';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'unknown';
  const s = Math.max(0, Math.round((now - t) / 1000));
  let rtf = relative.get(locale ?? '');
  if (!rtf) {
    rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'always', style: 'narrow' });
    relative.set(locale ?? '', rtf);
  }
  if (s < 60) return rtf.format(-s, 'second');
  if (s < 3600) return rtf.format(-Math.floor(s / 60), 'minute');
  if (s < 86400) return rtf.format(-Math.floor(s / 3600), 'hour');
  return rtf.format(-Math.floor(s / 86400), 'day');
}
