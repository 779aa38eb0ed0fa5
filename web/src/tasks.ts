// Work the main thread should do in separate tasks, not in one long one: between two tasks the
// browser handles input and paints. One long task (a dozen charts made together, the module
// evaluation plus Intl's first use) blocks a tap for its whole length; on a phone's CPU that
// is hundreds of milliseconds.

const soon: Array<() => void> = [];
const later: Array<() => void> = [];
let posted = false;
let channel: MessageChannel | null = null;

function post(): void {
  posted = true;
  if (typeof MessageChannel === 'undefined') {
    setTimeout(next, 0);
    return;
  }
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = next;
  }
  // A message, not setTimeout: timers may be clamped and may run after later work.
  channel.port2.postMessage(null);
}

function next(): void {
  posted = false;
  const work = soon.shift() ?? later.shift();
  try {
    work?.();
  } finally {
    if (!posted && soon.length + later.length > 0) post();
  }
}

/**
 * Runs `work` in a task of its own, one piece per task, so each is a short task and the browser
 * gets a turn between two. Pieces run first in, first out; a piece queued `soon` (a request to
 * start) runs before every piece queued `later` (the default) that has not started yet. An
 * exception in one piece does not stop the ones after it (it is reported as uncaught).
 */
export function inOwnTask(work: () => void, when: 'soon' | 'later' = 'later'): void {
  (when === 'soon' ? soon : later).push(work);
  if (!posted) post();
}
