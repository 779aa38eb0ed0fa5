import { describe, expect, it } from 'vitest';
import {
  axisPeriodLabels, currentPeriod, granularityOf, periodLabel, periodOf, shiftPeriod, shortPeriodLabel,
} from './period';

describe('periods', () => {
  it('names the period holding a date at every granularity', () => {
    const d = new Date(2024, 0, 15, 12);
    expect(periodOf(d, 'day')).toBe('2024-01-15');
    expect(periodOf(d, 'week')).toBe('2024-W03');
    expect(periodOf(d, 'month')).toBe('2024-01');
    expect(periodOf(d, 'quarter')).toBe('2024-Q1');
    expect(periodOf(d, 'year')).toBe('2024');
  });

  it('uses the ISO week-year at the turn of the year', () => {
    // 2024-12-30 is a Monday in ISO week 1 of 2025; 2021-01-03 is in week 53 of 2020.
    expect(periodOf(new Date(2024, 11, 30, 12), 'week')).toBe('2025-W01');
    expect(periodOf(new Date(2021, 0, 3, 12), 'week')).toBe('2020-W53');
  });

  it('steps across month, quarter, year and week boundaries', () => {
    expect(shiftPeriod('2024-01', -1)).toBe('2023-12');
    expect(shiftPeriod('2024-12', 1)).toBe('2025-01');
    expect(shiftPeriod('2024-Q1', -1)).toBe('2023-Q4');
    expect(shiftPeriod('2024-W01', -1)).toBe('2023-W52');
    expect(shiftPeriod('2020-W53', 1)).toBe('2021-W01');
    expect(shiftPeriod('2024-03-01', -1)).toBe('2024-02-29');
    expect(shiftPeriod('2024', 2)).toBe('2026');
    expect(shiftPeriod('2024-01', -11)).toBe('2023-02');
  });

  it('recognises each label and refuses others', () => {
    expect(granularityOf('2024-01-15')).toBe('day');
    expect(granularityOf('2024-W03')).toBe('week');
    expect(granularityOf('2024-Q4')).toBe('quarter');
    expect(granularityOf('2024')).toBe('year');
    expect(granularityOf('2024-Q5')).toBeNull();
    expect(granularityOf('next month')).toBeNull();
  });

  it('reads "now" in the tenant time zone, not the browser one', () => {
    // 2024-01-31 23:30 UTC is already February in Berlin and still January in New York.
    const now = new Date(Date.UTC(2024, 0, 31, 23, 30));
    expect(currentPeriod('month', 'Europe/Berlin', now)).toBe('2024-02');
    expect(currentPeriod('month', 'America/New_York', now)).toBe('2024-01');
    expect(currentPeriod('day', 'Asia/Tokyo', now)).toBe('2024-02-01');
    expect(currentPeriod('quarter', 'UTC', now)).toBe('2024-Q1');
  });

  it('gives readable labels', () => {
    expect(periodLabel('2024-Q1', 'en-US')).toBe('Q1 2024');
    expect(periodLabel('2024-W03', 'en-US')).toBe('Week 3, 2024');
    expect(periodLabel('2024-01', 'en-US')).toBe('January 2024');
  });

  it('gives short labels for a chart’s axis, with or without the year', () => {
    expect(shortPeriodLabel('2026-01', 'en-US')).toBe('Jan 2026');
    expect(shortPeriodLabel('2026-01', 'en-US', false)).toBe('Jan');
    expect(shortPeriodLabel('2026-W03', 'en-US')).toBe('W3 2026');
    expect(shortPeriodLabel('2026-Q1', 'en-US')).toBe('Q1 2026');
    expect(shortPeriodLabel('2026-Q1', 'en-US', false)).toBe('Q1');
    expect(shortPeriodLabel('2026-01-15', 'en-US')).toBe('Jan 15, 2026');
    expect(shortPeriodLabel('2026', 'en-US')).toBe('2026');
    expect(shortPeriodLabel('not a period', 'en-US')).toBe('not a period');
  });

  it('writes the year on an axis once when its periods share it, on every label when they span years', () => {
    expect(axisPeriodLabels(['2026-01', '2026-02', '2026-03'], 'en-US')).toEqual(['Jan 2026', 'Feb', 'Mar']);
    expect(axisPeriodLabels(['2025-12', '2026-01'], 'en-US')).toEqual(['Dec 2025', 'Jan 2026']);
    expect(axisPeriodLabels(['2026-W02', '2026-W03'], 'en-US')).toEqual(['W2 2026', 'W3']);
    expect(axisPeriodLabels([], 'en-US')).toEqual([]);
  });
});
