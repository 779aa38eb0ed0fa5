// A small reader of the Prometheus text exposition format (version 0.0.4) for the operations
// page: samples with their labels, and the few readside counters the page shows.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseValue(s: string): number {
  switch (s) {
    case '+Inf': case 'Inf': return Infinity;
    case '-Inf': return -Infinity;
    case 'NaN': return NaN;
    default: return s.trim() === '' ? NaN : Number(s);
  }
}

/** Reads `{a="x",b="y\"z"}` starting at `s[i] === '{'`; returns the labels and the index after `}`. */
function parseLabels(s: string, i: number): { labels: Record<string, string>; end: number } | null {
  const labels: Record<string, string> = {};
  i++; // '{'
  for (;;) {
    while (s[i] === ' ' || s[i] === ',') i++;
    if (s[i] === '}') return { labels, end: i + 1 };
    const nameMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
    if (!nameMatch) return null;
    const name = nameMatch[0];
    i += name.length;
    while (s[i] === ' ') i++;
    if (s[i] !== '=') return null;
    i++;
    while (s[i] === ' ') i++;
    if (s[i] !== '"') return null;
    i++;
    let value = '';
    for (;;) {
      const c = s[i];
      if (c === undefined) return null;
      if (c === '"') { i++; break; }
      if (c === '\\') {
        const n = s[i + 1];
        value += n === 'n' ? '\n' : n === undefined ? '' : n;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[name] = value;
  }
}

/** Every sample of a text exposition; comments, blank and unreadable lines are skipped. */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line);
    if (!m) continue;
    const name = m[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (line[i] === '{') {
      const l = parseLabels(line, i);
      if (!l) continue;
      labels = l.labels;
      i = l.end;
    }
    const rest = line.slice(i).trim().split(/\s+/);
    if (rest.length === 0 || rest[0] === '') continue;
    const value = parseValue(rest[0]);
    if (Number.isNaN(value) && rest[0] !== 'NaN') continue;
    out.push({ name, labels, value });
  }
  return out;
}

/** Σ of the samples named `name` whose labels include `match`; null when there is none. */
export function sumOf(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number | null {
  let sum: number | null = null;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).some(([k, v]) => s.labels[k] !== v)) continue;
    sum = (sum ?? 0) + s.value;
  }
  return sum;
}

export const kOutcomes = ['accepted', 'duplicate', 'conflict', 'rejected'] as const;
export type Outcome = (typeof kOutcomes)[number];
export type IngestTotals = Record<Outcome, number>;

/**
 * Events ingested since start by outcome, over every source. Reads the name of
 * ../shared/spec/operations.md (`readside_ingest_events_total{outcome,source}`) and, where a
 * server exports one counter per outcome, `readside_ingest_events_<outcome>_total`.
 * Null when the server exports neither.
 */
export function ingestTotals(samples: readonly Sample[]): IngestTotals | null {
  let found = false;
  const totals = { accepted: 0, duplicate: 0, conflict: 0, rejected: 0 } as IngestTotals;
  for (const o of kOutcomes) {
    const labelled = sumOf(samples, 'readside_ingest_events_total', { outcome: o });
    const named = sumOf(samples, `readside_ingest_events_${o}_total`);
    const v = labelled ?? named;
    if (v !== null) { found = true; totals[o] = v; }
  }
  return found ? totals : null;
}

/**
 * Per-second rate of a counter between two readings, or null when it cannot be told (no earlier
 * reading, no time between them, or the counter went down: the process restarted).
 */
export function counterRate(prev: { value: number; at: number } | null | undefined,
                            cur: { value: number; at: number }): number | null {
  if (!prev) return null;
  const dt = (cur.at - prev.at) / 1000;
  if (!(dt > 0) || cur.value < prev.value) return null;
  return (cur.value - prev.value) / dt;
}
