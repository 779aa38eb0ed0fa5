import { describe, expect, it } from 'vitest';
import { counterRate, ingestTotals, parsePrometheus, sumOf } from './prometheus';

// As readside serves it (trimmed).
const kText = `# HELP readside_ingest_requests_total POST /events requests
# TYPE readside_ingest_requests_total counter
readside_ingest_requests_total 0
# TYPE readside_ingest_events_accepted_total counter
readside_ingest_events_accepted_total 59791
# TYPE readside_ingest_events_duplicate_total counter
readside_ingest_events_duplicate_total 301
# TYPE readside_ingest_events_conflict_total counter
readside_ingest_events_conflict_total 0
# TYPE readside_ingest_events_rejected_total counter
readside_ingest_events_rejected_total 124
# TYPE readside_http_requests_total counter
readside_http_requests_total{route="/admin/dead-letters",code="4xx"} 1
readside_http_requests_total{route="/search/{org}",code="2xx"} 2
readside_http_handling_seconds_bucket{route="/search/{org}",le="+Inf"} 2
readside_http_handling_seconds_sum{route="/search/{org}"} 0.002339
# TYPE readside_store_position gauge
readside_store_position 59791
`;

describe('parsePrometheus', () => {
  it('reads names, labels and values, skipping comments', () => {
    const s = parsePrometheus(kText);
    expect(s).toHaveLength(10);
    expect(s[0]).toEqual({ name: 'readside_ingest_requests_total', labels: {}, value: 0 });
    expect(s.find((x) => x.labels.code === '4xx')).toEqual({
      name: 'readside_http_requests_total', labels: { route: '/admin/dead-letters', code: '4xx' }, value: 1,
    });
    expect(sumOf(s, 'readside_http_handling_seconds_bucket')).toBe(2);
    expect(sumOf(s, 'readside_http_handling_seconds_sum')).toBeCloseTo(0.002339);
    expect(sumOf(s, 'readside_store_position')).toBe(59791);
    expect(sumOf(s, 'missing')).toBeNull();
  });

  it('reads escaped label values, timestamps, special values and CRLF', () => {
    const s = parsePrometheus(
      'm{a="x\\"y",b="1\\\\2",c="l\\nm"} 3 1700000000000\r\n' +
      'n{le="+Inf",} +Inf\nn2 -Inf\nn3 NaN\nn4 1e3\n' +
      'bad{a="unterminated} 1\n{no_name} 2\nn5\n',
    );
    expect(s[0]).toEqual({ name: 'm', labels: { a: 'x"y', b: '1\\2', c: 'l\nm' }, value: 3 });
    expect(s[1]).toEqual({ name: 'n', labels: { le: '+Inf' }, value: Infinity });
    expect(s[2].value).toBe(-Infinity);
    expect(Number.isNaN(s[3].value)).toBe(true);
    expect(s[4].value).toBe(1000);
    expect(s).toHaveLength(5);
  });

  it('matches labels when summing', () => {
    const s = parsePrometheus('x{k="a",s="http"} 1\nx{k="a",s="kafka"} 2\nx{k="b",s="http"} 4\n');
    expect(sumOf(s, 'x', { k: 'a' })).toBe(3);
    expect(sumOf(s, 'x', { s: 'http' })).toBe(5);
    expect(sumOf(s, 'x')).toBe(7);
    expect(sumOf(s, 'x', { k: 'c' })).toBeNull();
  });
});

describe('ingestTotals', () => {
  it('reads one counter per outcome', () => {
    expect(ingestTotals(parsePrometheus(kText))).toEqual({ accepted: 59791, duplicate: 301, conflict: 0, rejected: 124 });
  });
  it('reads the labelled counter of operations.md, summed over sources', () => {
    const s = parsePrometheus(
      'readside_ingest_events_total{outcome="accepted",source="http"} 10\n' +
      'readside_ingest_events_total{outcome="accepted",source="kafka"} 5\n' +
      'readside_ingest_events_total{outcome="rejected",source="kafka"} 2\n');
    expect(ingestTotals(s)).toEqual({ accepted: 15, duplicate: 0, conflict: 0, rejected: 2 });
  });
  it('is null without ingest counters', () => {
    expect(ingestTotals(parsePrometheus('readside_store_position 3\n'))).toBeNull();
  });
});

describe('counterRate', () => {
  it('is the per-second increase between readings', () => {
    expect(counterRate({ value: 100, at: 0 }, { value: 200, at: 5000 })).toBe(20);
  });
  it('is null without an earlier reading, time between, or after a reset', () => {
    expect(counterRate(null, { value: 1, at: 1 })).toBeNull();
    expect(counterRate({ value: 1, at: 5 }, { value: 2, at: 5 })).toBeNull();
    expect(counterRate({ value: 10, at: 0 }, { value: 2, at: 5000 })).toBeNull();
  });
});
