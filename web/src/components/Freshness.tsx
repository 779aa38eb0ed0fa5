// "as of 3 s ago", ticking once a second from one shared clock (one timer for the page, not
// one per widget); the store position is on hover.
import { useSyncExternalStore } from 'react';
import { ago } from '../format/number';

let now = Date.now();
const listeners = new Set<() => void>();
let timer: number | undefined;
function subscribe(f: () => void) {
  listeners.add(f);
  if (timer === undefined) {
    timer = window.setInterval(() => { now = Date.now(); listeners.forEach((l) => l()); }, 1000);
  }
  return () => {
    listeners.delete(f);
    if (listeners.size === 0) { window.clearInterval(timer); timer = undefined; }
  };
}
export function useNow(): number {
  return useSyncExternalStore(subscribe, () => now, () => now);
}

export function Freshness({ asOf, position, locale }: { asOf?: string | null; position?: number; locale?: string }) {
  const t = useNow();
  const label = asOf ? `as of ${ago(asOf, Math.max(t, Date.parse(asOf)), locale)}` : 'no data yet';
  return (
    <span className="freshness" data-freshness title={position !== undefined ? `store position ${position}` : undefined}>
      {label}
    </span>
  );
}
