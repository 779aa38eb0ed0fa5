// A WebSocket to readside's live endpoints (../shared/spec/dashboards.md "Live updates") that
// stays up: the token goes in Sec-WebSocket-Protocol (`bearer, <token>`, never the URL), the
// subscriptions are re-sent on every (re)connect, and a lost connection is retried with
// exponential backoff and jitter (1 s doubling to 30 s). Closes that retrying cannot fix —
// an expired token (4401), a refused subscription (4403/4404), bad input (4400) — stop it.

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'offline';
/** What a page shows of its live connection. */
export interface LiveStatus { state: LiveState; detail?: string; retryAt?: number }

export interface LiveOptions {
  path: string;
  token: () => string | null;
  /** Messages to send after each (re)connect, e.g. the subscriptions. */
  hello: () => object[];
  onMessage: (msg: Record<string, unknown>) => void;
  /** `retryAt` (epoch ms): when a reconnecting socket tries next. */
  onState: (state: LiveState, detail?: string, retryAt?: number) => void;
  /** The token is no longer accepted (close 4401). */
  onExpired: (reason: string) => void;
  /** For tests: the WebSocket constructor and the timer functions. */
  WebSocketImpl?: typeof WebSocket;
  random?: () => number;
}

export const kTerminalCloses = new Set([4400, 4401, 4403, 4404]);

export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
  return Math.round(base * (0.5 + random() * 0.5));
}

export function liveUrl(path: string, loc: Location = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${path}`;
}

export class LiveSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: number | undefined;
  private stopped = false;
  private readonly opts: LiveOptions;
  private readonly onOnline = () => this.reconnectNow();
  private readonly onOffline = () => { this.opts.onState('offline', 'the browser is offline'); this.ws?.close(); };

  constructor(opts: LiveOptions) {
    this.opts = opts;
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.connect();
  }

  /** Sends now if connected; otherwise it goes out with the next hello. */
  send(msg: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  close(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    this.ws?.close(1000, 'page closed');
    this.ws = null;
  }

  private reconnectNow(): void {
    if (this.stopped || this.ws) return;
    window.clearTimeout(this.timer);
    this.attempt = 0;
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const token = this.opts.token();
    if (!token) return this.opts.onState('offline', 'not signed in');
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      return this.opts.onState('offline', 'the browser is offline');
    }
    this.opts.onState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const Impl = this.opts.WebSocketImpl ?? WebSocket;
    const ws = new Impl(liveUrl(this.opts.path), ['bearer', token]);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      for (const m of this.opts.hello()) ws.send(JSON.stringify(m));
      this.opts.onState('live');
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      try {
        this.opts.onMessage(JSON.parse(ev.data));
      } catch {
        // The server sends JSON only; ignore anything else rather than break the page.
      }
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (ev.code === 4401) {
        this.stopped = true;
        this.opts.onState('offline', ev.reason || 'token expired');
        return this.opts.onExpired(ev.reason || 'token expired');
      }
      if (kTerminalCloses.has(ev.code)) {
        this.stopped = true;
        return this.opts.onState('offline', ev.reason || `closed (${ev.code})`);
      }
      const delay = backoffMs(this.attempt++, this.opts.random);
      this.opts.onState('reconnecting', `retrying in ${Math.round(delay / 1000)} s`, Date.now() + delay);
      this.timer = window.setTimeout(() => this.connect(), delay);
    };
  }
}
