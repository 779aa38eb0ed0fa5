import { describe, expect, it } from 'vitest';
import type { LiveMinute, RebuildStatus } from '../../api/ops';
import {
  activityOption, decodeBase64Text, prettyRaw, isRebuildActive, liveDomains, minuteLabel, rebuildProgress, summarizeActivity,
} from './opsModel';

const status = (o: Partial<RebuildStatus>): RebuildStatus => ({
  state: 'running', scope: 'acme', target_position: 1000, events_read: 0, started_at: null, finished_at: null, ...o,
});

describe('rebuildProgress', () => {
  it('is events read over the target position', () => {
    expect(rebuildProgress(status({ events_read: 250 }))).toBe(0.25);
    expect(rebuildProgress(status({ events_read: 0 }))).toBe(0);
  });
  it('uses the tenant’s own event count when given', () => {
    expect(rebuildProgress(status({ events_read: 300, target_position: 59827 }), 600)).toBe(0.5);
  });
  it('never shows a running rebuild as complete, and a done one always', () => {
    expect(rebuildProgress(status({ events_read: 5000 }))).toBe(0.99);
    expect(rebuildProgress(status({ state: 'catching_up', events_read: 1000 }))).toBe(0.99);
    expect(rebuildProgress(status({ state: 'done', events_read: 34819, target_position: 59827 }))).toBe(1);
  });
  it('copes with a zero target', () => {
    expect(rebuildProgress(status({ target_position: 0 }))).toBe(0);
    expect(rebuildProgress(status({ state: 'idle', target_position: 0 }))).toBe(0);
  });
  it('knows which states are active', () => {
    expect(isRebuildActive(status({ state: 'running' }))).toBe(true);
    expect(isRebuildActive(status({ state: 'catching_up' }))).toBe(true);
    expect(isRebuildActive(status({ state: 'done' }))).toBe(false);
    expect(isRebuildActive(null)).toBe(false);
  });
});

describe('decodeBase64Text', () => {
  it('decodes UTF-8 text', () => {
    const b64 = btoa(String.fromCharCode(...new TextEncoder().encode('{"name":"Zoë"}')));
    expect(decodeBase64Text(b64)).toEqual({ text: '{"name":"Zoë"}', truncated: false, bytes: 15 });
  });
  it('truncates long text', () => {
    const r = decodeBase64Text(btoa('abcdef'), 3);
    expect(r).toEqual({ text: 'abc', truncated: true, bytes: 6 });
  });
  it('shows invalid UTF-8 as replacement characters and bad base64 as a note', () => {
    expect(decodeBase64Text(btoa('\xff')).text).toBe('\ufffd');
    expect(decodeBase64Text('***').bytes).toBe(0);
  });
});

const minutes: LiveMinute[] = [
  { minute: '2024-01-01T10:00:00Z', crm: 1, hrm: 0, other: 2 },
  { minute: '2024-01-01T10:01:00Z', crm: 3, hrm: 1, other: 0 },
  { minute: '2024-01-01T10:02:00Z', crm: 0, hrm: 4, other: 0 },
  { minute: '2024-01-01T10:03:00Z', crm: 5, hrm: 0, other: 0 }, // the current, still filling minute
];

describe('activity', () => {
  it('lists the domains present in a fixed order', () => {
    expect(liveDomains(minutes)).toEqual(['crm', 'hrm', 'other']);
    expect(liveDomains([{ minute: 'x', zeta: 1, projects: 0, crm: 0 }])).toEqual(['crm', 'projects', 'zeta']);
  });
  it('summarizes the hour and the last full minutes', () => {
    const s = summarizeActivity(minutes);
    expect(s.lastHour).toBe(16);
    expect(s.lastMinute).toBe(4);
    expect(s.perMinute5).toBeCloseTo((3 + 4 + 4) / 3);
    expect(s.byDomain).toEqual({ crm: 9, hrm: 5, other: 2 });
    expect(summarizeActivity([])).toEqual({ lastHour: 0, lastMinute: 0, perMinute5: 0, byDomain: {} });
  });
  it('labels minutes in the tenant’s time zone', () => {
    expect(minuteLabel('2024-01-01T10:05:00Z', 'Europe/Berlin', 'en-GB')).toBe('11:05');
    expect(minuteLabel('2024-01-01T10:05:00Z', 'Not/AZone', 'en-GB')).toBe('10:05');
    expect(minuteLabel('garbage', 'UTC')).toBe('garbage');
  });
  it('builds a stacked bar per domain', () => {
    const o = activityOption(minutes, 'UTC', { currency: 'EUR', locale: 'en-GB' },
      { series: ['#111'], text: '#222', grid: '#333', surface: '#fff' }) as {
        series: { name: string; type: string; stack: string; data: number[] }[]; xAxis: { data: string[] };
      };
    expect(o.series.map((s) => s.name)).toEqual(['CRM', 'HRM', 'Other']);
    expect(o.series.every((s) => s.type === 'bar' && s.stack === 'events')).toBe(true);
    expect(o.series[1].data).toEqual([0, 1, 4, 0]);
    expect(o.xAxis.data).toEqual(['10:00', '10:01', '10:02', '10:03']);
  });
  it('has a legend that is a key, not a control (ECharts draws it out of the keyboard’s reach)', () => {
    const o = activityOption(minutes, 'UTC', { currency: 'EUR', locale: 'en-GB' },
      { series: ['#111'], text: '#222', grid: '#333', surface: '#fff' }) as { legend: { type: string; selectedMode: boolean } };
    expect(o.legend.selectedMode).toBe(false);
    expect(o.legend.type).toBe('plain');
  });
});

describe('prettyRaw', () => {
  it('indents JSON and leaves anything else alone', () => {
    expect(prettyRaw('{"a":1,"b":[2]}')).toBe('{\n  "a": 1,\n  "b": [\n    2\n  ]\n}');
    expect(prettyRaw('{"a":')).toBe('{"a":');
    expect(prettyRaw('plain text')).toBe('plain text');
  });
});
