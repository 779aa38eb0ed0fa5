// Pure helpers of the operations page: rebuild progress, dead-letter bytes, the live activity
// chart and its summary numbers.
import type { EChartsCoreOption } from 'echarts/core';
import type { LiveMinute, RebuildStatus } from '../../api/ops';
import { formatValue, type NumberContext } from '../../format/number';
import type { Palette } from '../../charts/chartOptions';

export const kLiveDomains = ['crm', 'hrm', 'finance', 'inventory', 'projects', 'other'] as const;
const kLiveLabels: Record<string, string> = {
  crm: 'CRM', hrm: 'HRM', finance: 'Finance', inventory: 'Inventory', projects: 'Projects', other: 'Other',
};

export function isRebuildActive(s: RebuildStatus | null | undefined): boolean {
  return !!s && (s.state === 'queued' || s.state === 'running' || s.state === 'catching_up');
}

/**
 * How far a rebuild is, 0…1: events read over the events it has to read. `total` defaults to
 * the target position (a rebuild of every tenant reads the whole store up to it); a rebuild of
 * one tenant reads only that tenant's events, so the caller passes their count when it knows
 * it. A running rebuild never shows 100 % (the tail is still to apply); a finished one always does.
 */
export function rebuildProgress(s: RebuildStatus, total?: number | null): number {
  if (s.state === 'done') return 1;
  const denominator = total && total > 0 ? total : s.target_position;
  if (!(denominator > 0)) return 0;
  const f = Math.max(0, Math.min(1, s.events_read / denominator));
  return isRebuildActive(s) ? Math.min(f, 0.99) : f;
}

/** A dead letter's bytes as text for display (invalid UTF-8 shown as U+FFFD), at most `max` characters. */
export function decodeBase64Text(b64: string, max = 4000): { text: string; truncated: boolean; bytes: number } {
  let bin: string;
  try {
    bin = atob(b64.replace(/\s+/g, ''));
  } catch {
    return { text: '(the bytes could not be decoded)', truncated: false, bytes: 0 };
  }
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return text.length > max
    ? { text: text.slice(0, max), truncated: true, bytes: bytes.length }
    : { text, truncated: false, bytes: bytes.length };
}

/** JSON indented for reading; anything else (not JSON, or truncated) as it is. */
export function prettyRaw(text: string): string {
  const t = text.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return text;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return text;
  }
}

/** The domains a live body carries (the caller's roles filter them), in a fixed order. */
export function liveDomains(minutes: readonly LiveMinute[]): string[] {
  const seen = new Set<string>();
  for (const m of minutes) for (const k of Object.keys(m)) if (k !== 'minute') seen.add(k);
  return [...kLiveDomains.filter((d) => seen.has(d)), ...[...seen].filter((d) => !(kLiveDomains as readonly string[]).includes(d)).sort()];
}

export function minuteTotal(m: LiveMinute): number {
  let t = 0;
  for (const [k, v] of Object.entries(m)) if (k !== 'minute' && typeof v === 'number') t += v;
  return t;
}

export interface ActivitySummary {
  /** Events in the last 60 minutes. */
  lastHour: number;
  /** Events in the newest full minute (the one before the current, still filling minute). */
  lastMinute: number;
  /** Mean events per minute over the last five full minutes. */
  perMinute5: number;
  byDomain: Record<string, number>;
}

export function summarizeActivity(minutes: readonly LiveMinute[]): ActivitySummary {
  const byDomain: Record<string, number> = {};
  let lastHour = 0;
  for (const m of minutes) {
    for (const [k, v] of Object.entries(m)) {
      if (k === 'minute' || typeof v !== 'number') continue;
      byDomain[k] = (byDomain[k] ?? 0) + v;
      lastHour += v;
    }
  }
  const full = minutes.slice(0, Math.max(0, minutes.length - 1));
  const lastMinute = full.length ? minuteTotal(full[full.length - 1]) : 0;
  const five = full.slice(-5);
  const perMinute5 = five.length ? five.reduce((a, m) => a + minuteTotal(m), 0) / five.length : 0;
  return { lastHour, lastMinute, perMinute5, byDomain };
}

/** "14:05" in the tenant's time zone. */
export function minuteLabel(iso: string, timeZone: string, locale?: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  try {
    return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(t);
  } catch {
    return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' }).format(t);
  }
}

/** A stacked bar chart of events per minute by domain. */
export function activityOption(minutes: readonly LiveMinute[], timeZone: string, ctx: NumberContext,
                               p: Palette): EChartsCoreOption {
  const domains = liveDomains(minutes);
  return {
    animation: false,
    color: p.series,
    grid: { left: 8, right: 12, top: 16, bottom: 36, containLabel: true },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (v: unknown) => (typeof v === 'number' ? formatValue(v, 'count', ctx) : '—'),
    },
    // A key, not a control: ECharts draws its legend in SVG, where a keyboard cannot reach it, so
    // its items do not toggle series (selectedMode: false) and it does not page (plain); the
    // table beside the chart has every number.
    legend: { type: 'plain', selectedMode: false, bottom: 0, textStyle: { color: p.text }, itemWidth: 10, itemHeight: 10 },
    xAxis: {
      type: 'category',
      data: minutes.map((m) => minuteLabel(m.minute, timeZone, ctx.locale)),
      axisLine: { lineStyle: { color: p.grid } },
      axisLabel: { color: p.text, hideOverlap: true },
      axisTick: { show: false },
    },
    yAxis: {
      type: 'value',
      minInterval: 1,
      splitLine: { lineStyle: { color: p.grid } },
      axisLabel: { color: p.text, formatter: (v: number) => formatValue(v, 'count', ctx, true) },
    },
    series: domains.map((d) => ({
      name: kLiveLabels[d] ?? d,
      type: 'bar',
      stack: 'events',
      barMaxWidth: 14,
      data: minutes.map((m) => (typeof m[d] === 'number' ? m[d] : 0)),
    })),
  };
}
