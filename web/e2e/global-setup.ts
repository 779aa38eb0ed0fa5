// Starts a real readside (the built binary serving the built app) on a free loopback port,
// seeds it with simulated ERP events for two tenants, mints tokens, and writes what the tests
// need to a state file whose path goes to the workers in READSIDE_E2E_STATE.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { E2EState } from './state';

const root = path.resolve(import.meta.dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitReady(base: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(`${base}/health/ready`);
      if (r.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`readside at ${base} not ready after ${ms} ms`);
}

/** A mail sink for the scheduled reports of the screenshots' server: Debian's aiosmtpd (as the
 *  integration tests' schedules use, scripts/deps.txt) with its Sink handler, which accepts every
 *  message and keeps none. Its pid goes to the state file; global-teardown stops it. */
async function smtpSink(): Promise<{ port: number; pid: number }> {
  const port = await freePort();
  const sink = spawn('/usr/bin/python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Sink'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  const end = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (open) return { port, pid: sink.pid! };
    if (Date.now() > end || sink.exitCode !== null) throw new Error(`the SMTP sink (aiosmtpd) did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export default async function globalSetup(): Promise<void> {
  const bin = process.env.READSIDE_BIN ?? path.join(root, 'build', 'readside');
  const webDir = process.env.READSIDE_WEB_DIR ?? path.join(path.dirname(bin), 'web');
  if (!existsSync(bin)) throw new Error(`no readside binary at ${bin} (set READSIDE_BIN)`);
  if (!existsSync(path.join(webDir, 'index.html'))) throw new Error(`no built app in ${webDir} (set READSIDE_WEB_DIR)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'readside-e2e-'));
  const secret = path.join(dir, 'jwt-secret');
  writeFileSync(secret, 'e2e-secret-0123456789abcdef-0123456789abcdef\n', { mode: 0o600 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The screenshots show scheduled reports' runs as sent: their server mails to a sink.
  const sink = process.env.SCREENSHOTS ? await smtpSink() : null;
  const mail = sink
    ? ['--smtp-url', `smtp://127.0.0.1:${sink.port}`, '--smtp-from', 'reports@acme-corp.example'] : [];
  const server = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', path.join(dir, 'data'),
    '--jwt-secret-file', secret, '--web-dir', webDir, '--access-log', 'off', ...mail],
  { stdio: ['ignore', 'ignore', 'inherit'], detached: false });
  await waitReady(base, 30_000);

  const token = (org: string, roles: string, sub: string, ttl = '2h') =>
    execFileSync(bin, ['token', '--secret-file', secret, '--org', org, '--roles', roles, '--sub', sub, '--ttl', ttl],
      { encoding: 'utf8' }).trim();
  const orgs = ['acme-corp', 'beta-inc'];
  const admin = token(orgs.join(','), 'admin', 'e2e-admin');
  const ingest = token(orgs.join(','), 'ingest', 'e2e-ingest');

  // About 60 days of history ending a little before now, so the current month has data. The
  // screenshots (SCREENSHOTS=1) are made from data like `readside demo`'s instead: as dense (the
  // demo's 120,000 events over 90 days for three tenants weighted 60:28:12 is ~800 a day for
  // acme-corp and ~370 for beta-inc; here the two share 470,000 over 400 days 60:28, the same
  // per tenant, so their sales earn their payroll as the demo's do) but over 13 months, so that
  // every 12-month trend has a year of data, with the demo's share of late and repeated events.
  const screenshots = Boolean(process.env.SCREENSHOTS);
  const days = screenshots ? 400 : 60;
  const count = screenshots ? 470_000 : 12_000;
  const start = new Date(Date.now() - days * 86400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const events = path.join(dir, 'events.ndjson');
  execFileSync(bin, ['generate', '--seed', '7', '--tenants', orgs.join(','), '--start', start, '--count', String(count),
    '--rate', String(count / ((days - 1) * 86400)), '--out', events,
    ...(screenshots ? ['--out-of-order', '0.02', '--duplicates', '0.005'] : [])]);
  execFileSync(bin, ['ingest', events, '--url', base, '--token', ingest, '--no-progress'], { stdio: 'inherit' });
  if (screenshots) {
    // And the last hour as the demo's live stream leaves it (fewer: 2 events a second rather
    // than 20), for the operations page's events per minute.
    const live = path.join(dir, 'live.ndjson');
    const hour = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    execFileSync(bin, ['generate', '--seed', '8', '--tenants', orgs.join(','), '--start', hour, '--count', '7000',
      '--rate', '2', '--out', live]);
    execFileSync(bin, ['ingest', live, '--url', base, '--token', ingest, '--no-progress'], { stdio: 'inherit' });
  }
  await waitReady(base, 30_000);

  // beta-inc reads in euros in Berlin, so formatting and time zones are exercised.
  const put = await fetch(`${base}/admin/tenants/beta-inc`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Beta Inc.', currency: 'EUR', timezone: 'Europe/Berlin' }),
  });
  if (!put.ok) throw new Error(`PUT tenant settings: ${put.status} ${await put.text()}`);

  const state: E2EState = {
    base, pid: server.pid!, mailPid: sink?.pid, dir, bin, secret,
    tokens: {
      admin,
      ingest,
      sales: token('acme-corp', 'sales', 'e2e-sales'),
      expired: token('acme-corp', 'admin', 'e2e-expired', '2'),
    },
  };
  const file = path.join(dir, 'state.json');
  writeFileSync(file, JSON.stringify(state));
  process.env.READSIDE_E2E_STATE = file;
  process.env.READSIDE_E2E_BASE = base;
}
