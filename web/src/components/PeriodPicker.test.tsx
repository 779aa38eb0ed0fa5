import { fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeriodPicker } from './PeriodPicker';

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

  it('a granularity starts at the current period in the tenant’s time zone', () => {
    const onChange = vi.fn();
    const { unmount } = render(<PeriodPicker period="2026-12" onChange={onChange} timezone="Europe/Berlin" />);
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
});
