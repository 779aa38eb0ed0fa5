import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveBadge, liveBadgeText } from './LiveBadge';

describe('liveBadgeText', () => {
  it('counts down to the next attempt while reconnecting', () => {
    expect(liveBadgeText({ state: 'reconnecting', retryAt: 10_000 }, 1_500)).toBe('Reconnecting in 9 s');
    expect(liveBadgeText({ state: 'reconnecting', retryAt: 10_000 }, 9_200)).toBe('Reconnecting in 1 s');
    expect(liveBadgeText({ state: 'reconnecting', retryAt: 10_000 }, 10_000)).toBe('Reconnecting…');
    expect(liveBadgeText({ state: 'reconnecting' }, 0)).toBe('Reconnecting…');
  });
  it('names the other states', () => {
    expect(liveBadgeText({ state: 'live', retryAt: 99_999 }, 0)).toBe('Live');
    expect(liveBadgeText({ state: 'connecting' }, 0)).toBe('Connecting…');
    expect(liveBadgeText({ state: 'offline' }, 0)).toBe('Offline');
  });
});

describe('LiveBadge', () => {
  beforeEach(() => { vi.useFakeTimers(); vi.setSystemTime(0); });
  afterEach(() => vi.useRealTimers());

  it('ticks the countdown each second and tells screen readers the state once', () => {
    render(<LiveBadge state="reconnecting" detail="retrying in 4 s" retryAt={4_000} />);
    const badge = screen.getByRole('status');
    expect(badge.getAttribute('data-live-state')).toBe('reconnecting');
    expect(badge.getAttribute('title')).toBeNull();  // the badge says when; a fixed tooltip would go stale
    const shown = badge.querySelector('.live-badge-text')!;
    expect(shown.getAttribute('aria-hidden')).toBe('true');
    expect(shown.textContent).toBe('Reconnecting in 4 s');
    expect(badge.querySelector('.visually-hidden')!.textContent).toBe('Reconnecting…');
    act(() => { vi.advanceTimersByTime(2_000); });
    expect(badge.textContent).toContain('Reconnecting in 2 s');
    act(() => { vi.advanceTimersByTime(2_000); });
    expect(badge.textContent).toContain('Reconnecting…');
    const spoken = badge.querySelector('.visually-hidden');
    expect(spoken?.textContent).toBe('Reconnecting…');
  });

  it('the first frame after a long while live already counts from now', () => {
    const { rerender } = render(<LiveBadge state="live" />);
    vi.setSystemTime(600_000);  // ten minutes live, no re-render meanwhile
    rerender(<LiveBadge state="reconnecting" retryAt={601_000} />);
    expect(screen.getByRole('status').querySelector('.live-badge-text')!.textContent).toBe('Reconnecting in 1 s');
  });

  it('an offline badge keeps its reason as the tooltip, and says it to screen readers', () => {
    render(<LiveBadge state="offline" detail="token expired" />);
    expect(screen.getByRole('status').getAttribute('title')).toBe('token expired');
    expect(screen.getByRole('status').querySelector('.visually-hidden')?.textContent).toBe('Offline: token expired');
  });

  it('shows Live with its explanation', () => {
    render(<LiveBadge state="live" />);
    const badge = screen.getByRole('status');
    expect(badge.textContent).toContain('Live');
    expect(badge.getAttribute('title')).toBe('Numbers update as events arrive');
  });
});
