import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffMs, LiveSocket, type LiveState } from './liveSocket';

class FakeSocket {
  static all: FakeSocket[] = [];
  static OPEN = 1;
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(public url: string, public protocols: string[]) { FakeSocket.all.push(this); }
  send(s: string) { this.sent.push(s); }
  close() { this.onclose?.({ code: 1000, reason: '' }); }
  open() { this.readyState = 1; this.onopen?.(); }
}

describe('LiveSocket', () => {
  beforeEach(() => { FakeSocket.all = []; vi.useFakeTimers(); });
  afterEach(() => vi.useRealTimers());

  function make(states: LiveState[], expired: string[] = [], messages: unknown[] = []) {
    return new LiveSocket({
      path: '/dashboards/live/acme',
      token: () => 'a.b.c',
      hello: () => [{ type: 'subscribe', widgets: ['w1'] }],
      onMessage: (m) => messages.push(m),
      onState: (s) => states.push(s),
      onExpired: (r) => expired.push(r),
      WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
      random: () => 1,
    });
  }

  it('sends the token as a subprotocol, never in the URL, and subscribes on open', () => {
    const states: LiveState[] = [];
    const messages: unknown[] = [];
    make(states, [], messages);
    const ws = FakeSocket.all[0];
    expect(ws.url).toMatch(/^ws:\/\/[^?]+\/dashboards\/live\/acme$/);
    expect(ws.protocols).toEqual(['bearer', 'a.b.c']);
    ws.open();
    expect(JSON.parse(ws.sent[0])).toEqual({ type: 'subscribe', widgets: ['w1'] });
    ws.onmessage?.({ data: '{"type":"widget","widget_id":"w1"}' });
    ws.onmessage?.({ data: 'not json' });
    expect(messages).toEqual([{ type: 'widget', widget_id: 'w1' }]);
    expect(states).toEqual(['connecting', 'live']);
  });

  it('reconnects with backoff after a dropped connection and resubscribes', () => {
    const states: LiveState[] = [];
    make(states);
    FakeSocket.all[0].open();
    FakeSocket.all[0].onclose?.({ code: 1006, reason: '' });
    expect(states.at(-1)).toBe('reconnecting');
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1].open();
    expect(JSON.parse(FakeSocket.all[1].sent[0]).widgets).toEqual(['w1']);
    expect(states.at(-1)).toBe('live');
  });

  it('stops on an expired token and on refusals, without retrying', () => {
    const states: LiveState[] = [];
    const expired: string[] = [];
    make(states, expired);
    FakeSocket.all[0].open();
    FakeSocket.all[0].onclose?.({ code: 4401, reason: 'token expired' });
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(expired).toEqual(['token expired']);
    expect(states.at(-1)).toBe('offline');
  });

  it('backs off exponentially up to 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 9].map((a) => backoffMs(a, () => 1)))
      .toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffMs(0, () => 0)).toBe(500);
  });
});
