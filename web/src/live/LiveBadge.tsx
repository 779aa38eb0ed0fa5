import type { LiveState } from './liveSocket';

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

/** The live connection's state, for people (text, colour) and tests (data-live-state). */
export function LiveBadge({ state, detail }: { state: LiveState; detail?: string }) {
  return (
    <span className={kClass[state]} data-live-state={state} role="status" aria-live="polite"
          title={detail ?? (state === 'live' ? 'Numbers update as events arrive' : undefined)}>
      <span className="dot" aria-hidden="true" />
      {kText[state]}
    </span>
  );
}
