import { useEffect, useReducer } from 'react';
import type { LiveState, LiveStatus } from './liveSocket';

const kText: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};
const kClass: Record<LiveState, string> = {
  connecting: 'badge badge-warn',
  live: 'badge badge-good',
  reconnecting: 'badge badge-warn',
  offline: 'badge badge-bad',
};

/** The badge's words: while reconnecting, when the next attempt is ("Reconnecting in 8 s"). */
export function liveBadgeText({ state, retryAt }: LiveStatus, now: number): string {
  if (state === 'reconnecting' && retryAt !== undefined) {
    const seconds = Math.ceil((retryAt - now) / 1000);
    if (seconds >= 1) return `Reconnecting in ${seconds} s`;
  }
  return kText[state];
}

/** The live connection's state, for people (text, colour) and tests (data-live-state). */
export function LiveBadge({ state, detail, retryAt }: LiveStatus) {
  // While counting down, a re-render each second; the time is read when rendering, so the
  // first frame after a drop already shows the right number.
  const [, tick] = useReducer((n: number) => n + 1, 0);
  const counting = state === 'reconnecting' && retryAt !== undefined;
  useEffect(() => {
    if (!counting) return;
    const t = window.setInterval(tick, 1000);
    return () => window.clearInterval(t);
  }, [counting, retryAt]);
  // The tooltip explains; while counting down the badge itself says when (a fixed "retrying in
  // 4 s" would go stale).
  const title = counting ? undefined : detail ?? (state === 'live' ? 'Numbers update as events arrive' : undefined);
  return (
    <span className={kClass[state]} data-live-state={state} role="status" title={title}>
      <span className="dot" aria-hidden="true" />
      {/* Screen readers hear the state once, not a countdown every second. */}
      <span className="live-badge-text" aria-hidden="true">{liveBadgeText({ state, retryAt }, Date.now())}</span>
      {/* An offline state's reason is read out with it (sighted readers have the tooltip). */}
      <span className="visually-hidden">{kText[state]}{state === 'offline' && detail ? `: ${detail}` : ''}</span>
    </span>
  );
}
