// What web_bench.mjs and lighthouse_ab.mjs share: the Chromium they drive, and a readside
// seeded the same way for both (15,000 generated events over the last 59 days, the executive
// dashboard template plus a chart and a list: 12 widgets), waited on until it is quiet.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export const org = 'acme-corp';
// The command line of the script run: `opt('--name', default)` is the value after --name.
export const args = process.argv.slice(2);
export const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
// The readside binary: --bin, else build/readside of this checkout.
export const readsideBin = () =>
  path.resolve(opt('--bin', path.join(import.meta.dirname, '..', '..', 'build', 'readside')));
export const chromePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const chromeFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const secretText = 'web-bench-secret-0123456789abcdef-0123456789\n';

export const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

// A token of `org` with `roles`, signed by the secret in `secretFile`.
export const makeToken = (bin, secretFile, roles, ttl) => execFileSync(bin, ['token', '--secret-file', secretFile,
  '--org', org, '--roles', roles, '--sub', 'bench', '--ttl', ttl], { encoding: 'utf8' }).trim();

// Writes the events every bench server ingests into `file`.
export function generateEvents(bin, file) {
  const start = new Date(Date.now() - 60 * 86400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  execFileSync(bin, ['generate', '--seed', '11', '--tenants', org, '--start', start, '--count', '15000',
    '--rate', String(15000 / (59 * 86400)), '--out', file]);
}

// Starts `readside serve` serving `webDir`; resolves once it answers /health/ready.
export async function startReadside(bin, { dataDir, secretFile, webDir }) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir,
    '--jwt-secret-file', secretFile, '--web-dir', webDir, '--access-log', 'off'], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 300; i++) {
    try { if ((await fetch(`${base}/health/ready`)).ok) break; } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, proc };
}

// Ingests `events` and builds the 12-widget dashboard: the executive template (10) plus a
// chart and a list.
export async function seed(bin, base, events, ingestToken, adminToken) {
  execFileSync(bin, ['ingest', events, '--url', base, '--token', ingestToken, '--no-progress']);
  const call = async (method, p, body) => {
    const r = await fetch(`${base}${p}`, { method, headers: { Authorization: `Bearer ${adminToken}`,
      'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
  };
  await call('POST', `/dashboards/${org}/from-template/executive`);
  await call('POST', `/dashboards/${org}/widgets`, { widget_type: 'chart', title: 'Won value', data_source: 'crm',
    query_params: { metric: 'won_value' }, chart_type: 'bar', grid: { x: 0, y: 8, w: 6, h: 4 } });
  await call('POST', `/dashboards/${org}/widgets`, { widget_type: 'list', title: 'Top performers', data_source: 'crm',
    query_params: { metric: 'top_performers', limit: 5 }, grid: { x: 6, y: 8, w: 6, h: 4 } });
}

// The servers index what was just ingested for search for a while: Lighthouse on the same two
// cores would measure that too. Waits until every process is quiet (under 5 % of a core for
// 2 s running), at most `maxSeconds`.
export async function waitQuiet(pids, maxSeconds) {
  const cpu = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 13)
    .reduce((a, b) => a + Number(b), 0);
  for (let quiet = 0, i = 0; quiet < 2 && i < maxSeconds; i++) {
    const before = pids.map(cpu);
    await new Promise((r) => setTimeout(r, 1000));
    quiet = pids.every((pid, k) => cpu(pid) - before[k] <= 5) ? quiet + 1 : 0; // clock ticks of 10 ms
  }
}

