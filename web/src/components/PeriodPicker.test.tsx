import { fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeriodPicker, switchGranularity } from './PeriodPicker';

// 2026-12-31 23:30 UTC: already 1 January 2027 in Berlin, still 31 December in New York.
const kNow = new Date('2026-12-31T23:30:00Z');

describe('PeriodPicker', () => {
  beforeEach(() => { vi.useFakeTimers({ toFake: ['Date'] }); vi.setSystemTime(kNow); });
  afterEach(() => vi.useRealTimers());

  it('steps back and forth, and stops at the tenant’s current period', () => {
    const onChange = vi.fn();
    render(<PeriodPicker period="2027-01" onChange={onChange} timezone="Europe/Berlin" locale="en-GB" />);
    expect(screen.getByText('January 2027')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Next period' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Previous period' }));
    expect(onChange).toHaveBeenLastCalledWith('2026-12');
    expect(screen.getByRole('button', { name: 'Month' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('from the current period, a granularity starts at the current period in the tenant’s time zone', () => {
    const onChange = vi.fn();
    const { unmount } = render(<PeriodPicker period="2027-01" onChange={onChange} timezone="Europe/Berlin" />);
    fireEvent.click(screen.getByRole('button', { name: 'Day' }));
    expect(onChange).toHaveBeenLastCalledWith('2027-01-01');
    fireEvent.click(screen.getByRole('button', { name: 'Year' }));
    expect(onChange).toHaveBeenLastCalledWith('2027');
    unmount();
    render(<PeriodPicker period="2026-12" onChange={onChange} timezone="America/New_York" />);
    fireEvent.click(screen.getByRole('button', { name: 'Day' }));
    expect(onChange).toHaveBeenLastCalledWith('2026-12-31');
    fireEvent.click(screen.getByRole('button', { name: 'Week' }));
    expect(onChange).toHaveBeenLastCalledWith('2026-W53');
    // New York's December is its current month: no next.
    expect((screen.getByRole('button', { name: 'Next period' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText('America/New_York')).toBeTruthy();
  });

  it('from a past period, a granularity keeps the time in view', () => {
    const onChange = vi.fn();
    // December 2026 is already the past in Berlin (it is 1 January 2027 there).
    render(<PeriodPicker period="2026-12" onChange={onChange} timezone="Europe/Berlin" />);
    fireEvent.click(screen.getByRole('button', { name: 'Day' }));
    expect(onChange).toHaveBeenLastCalledWith('2026-12-01');
    fireEvent.click(screen.getByRole('button', { name: 'Quarter' }));
    expect(onChange).toHaveBeenLastCalledWith('2026-Q4');
    fireEvent.click(screen.getByRole('button', { name: 'Year' }));
    expect(onChange).toHaveBeenLastCalledWith('2026');
  });
});

describe('switchGranularity', () => {
  it('goes to the period holding the start of the one in view, or to now from now', () => {
    expect(switchGranularity('2026-03', 'quarter', 'UTC', kNow)).toBe('2026-Q1');
    expect(switchGranularity('2026-Q2', 'month', 'UTC', kNow)).toBe('2026-04');
    expect(switchGranularity('2025', 'week', 'UTC', kNow)).toBe('2025-W01');
    expect(switchGranularity('2026-W10', 'month', 'UTC', kNow)).toBe('2026-03');
    expect(switchGranularity('2026-12', 'day', 'UTC', kNow)).toBe('2026-12-31');  // December is now in UTC
    expect(switchGranularity('nonsense', 'month', 'UTC', kNow)).toBe('2026-12');
  });
});
