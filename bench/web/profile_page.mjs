#!/usr/bin/env node
// Where a page's main-thread time goes: a V8 CPU profile of one cold load under CPU throttling
// (4× by default, as Lighthouse's mobile emulation), summed by npm package or app file, and the
// long stretches of work with what ran in them. Build the app unminified first, so that the
// bundle keeps its `// node_modules/...` markers and function names:
//   (cd web && node_modules/.bin/vite build --outDir /tmp/web-prof --minify false)
//   node bench/web/profile_page.mjs --web-dir /tmp/web-prof --page /o/acme-corp/analytics/finance
// Options: --rate 4, --long-ms 50, --all-kinds, --console, --trace-only, --width 412 --height 823 (Lighthouse's phone), --out profile.cpuprofile
// (open it in Chrome's DevTools, Performance panel).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.resolve(opt('--bin', path.join(root, 'build', 'readside')));
const webDir = path.resolve(opt('--web-dir', path.join(path.dirname(bin), 'web')));
const pagePath = opt('--page', '/o/acme-corp');
const org = 'acme-corp';

const dir = mkdtempSync(path.join(tmpdir(), 'readside-profile-'));
const secret = path.join(dir, 'secret');
writeFileSync(secret, 'profile-secret-0123456789abcdef-0123456789abcdef\n', { mode: 0o600 });
const port = 20000 + Math.floor(Math.random() * 20000);
const base = `http://127.0.0.1:${port}`;
const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', path.join(dir, 'data'),
  '--jwt-secret-file', secret, '--web-dir', webDir, '--access-log', 'off'], { stdio: 'ignore' });
try {
  for (let i = 0; i < 300; i++) {
    try { if ((await fetch(`${base}/health/ready`)).ok) break; } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  const token = (roles) => execFileSync(bin, ['token', '--secret-file', secret, '--org', org, '--roles', roles,
    '--sub', 'profile', '--ttl', '1h'], { encoding: 'utf8' }).trim();
  const events = path.join(dir, 'events.ndjson');
  const start = new Date(Date.now() - 60 * 86400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  execFileSync(bin, ['generate', '--seed', '11', '--tenants', org, '--start', start, '--count', '15000',
    '--rate', String(15000 / (59 * 86400)), '--out', events]);
  execFileSync(bin, ['ingest', events, '--url', base, '--token', token('ingest'), '--no-progress']);

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: Number(opt('--width', 412)), height: Number(opt('--height', 823)) } });
  const page = await context.newPage();
  // --console: the page's console messages, printed as they come.
  if (args.includes('--console')) page.on('console', (m) => console.log(`console: ${m.text()}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: Number(opt('--rate', 4)) });
  // --trace-only: no CPU profile (its sampling slows scripts down), the long tasks alone.
  const sampling = !args.includes('--trace-only');
  if (sampling) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
  await page.goto(`${base}${pagePath}#token=${token('admin')}`);
  await page.waitForSelector('[data-value]');
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(3000);
  const profile = sampling ? (await cdp.send('Profiler.stop')).profile : null;
  const trace = JSON.parse((await browser.stopTracing()).toString());
  await browser.close();
  if (profile && opt('--out', null)) writeFileSync(opt('--out', null), JSON.stringify(profile));
  if (profile) report(profile);
  tasks(trace);
} finally {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
}

// The main thread's long tasks from the trace (over --long-ms, 50 ms as Lighthouse counts them),
// each with what its time went to: script, style, layout, paint, parsing.
function tasks(trace) {
  const ev = trace.traceEvents ?? trace;
  const main = ev.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain' &&
    ev.some((x) => x.pid === e.pid && x.name === 'FunctionCall'));
  if (!main) return;
  const mine = ev.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts);
  const nav = ev.find((e) => e.name === 'navigationStart' && e.pid === main.pid) ?? mine[0];
  console.log(`\nlong tasks over ${opt('--long-ms', 50)} ms (start after navigation, length; by kind, ms):`);
  const all = args.includes('--all-kinds');
  const kinds = ['EvaluateScript', 'v8.compile', 'v8.compileModule', 'FunctionCall', 'TimerFire', 'EventDispatch',
    'RunMicrotasks', 'UpdateLayoutTree', 'Layout', 'Paint', 'PrePaint', 'Layerize', 'ParseHTML', 'ParseAuthorStyleSheet',
    'HitTest', 'FireAnimationFrame', 'GCEvent', 'MajorGC', 'MinorGC'];
  // --long-ms: the threshold; 12.5 with --rate 1 shows what Lighthouse's simulated 4x slowdown counts.
  const longUs = Number(opt('--long-ms', 50)) * 1000;
  for (const t of mine.filter((e) => e.name === 'RunTask' && e.dur > longUs)) {
    const inside = mine.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur && (all || kinds.includes(e.name)));
    const by = new Map();
    for (const e of inside) {
      // Only the outermost event of a kind (a FunctionCall inside a FunctionCall is not counted twice).
      if (inside.some((o) => o !== e && o.name === e.name && o.ts <= e.ts && o.ts + o.dur >= e.ts + e.dur && o.dur > e.dur)) continue;
      by.set(e.name, (by.get(e.name) ?? 0) + e.dur / 1000);
    }
    const parts = [...by].sort((a, b) => b[1] - a[1]).filter(([, v]) => v >= 1).map(([k, v]) => `${k} ${v.toFixed(0)}`);
    console.log(`${((t.ts - nav.ts) / 1000).toFixed(0).padStart(7)} ms ${(t.dur / 1000).toFixed(0).padStart(5)} ms  ${parts.join(', ')}`);
    for (const l of inside.filter((e) => e.name === 'Layout' && e.dur > 5000)) {
      const b = l.args?.beginData ?? {};
      console.log(`${' '.repeat(18)}layout ${(l.dur / 1000).toFixed(0)} ms: ${b.dirtyObjects ?? '?'} of ${b.totalObjects ?? '?'} objects${b.partialLayout ? ', partial' : ''}`);
    }
  }
}

function report(p) {
  // Each bundled file's module markers, to name the package or app file of a line.
  const marks = {};
  for (const f of readdirSync(path.join(webDir, 'assets')).filter((f) => f.endsWith('.js'))) {
    marks[f] = [];
    readFileSync(path.join(webDir, 'assets', f), 'utf8').split('\n').forEach((l, i) => {
      const m = /^\/\/ (\S+\.(?:js|ts|tsx|mjs|cjs))$/.exec(l);
      if (m) marks[f].push([i, m[1]]);
    });
  }
  const moduleOf = (cf) => {
    if (!cf.url) return cf.functionName;
    const f = cf.url.split('/').pop();
    let m = `${f} (a module's top level)`;
    for (const [i, name] of marks[f] ?? []) { if (i <= cf.lineNumber && cf.lineNumber > 0) m = name; else break; }
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m);
    return pkg ? pkg[1] : m.replace(/^src\//, 'app: ');
  };
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const bySelf = new Map();
  const runs = [];
  let t = 0, run = null;
  for (let i = 0; i < p.samples.length; i++) {
    const d = p.timeDeltas[i] / 1000;
    t += d;
    const cf = nodes.get(p.samples[i]).callFrame;
    if (cf.functionName === '(idle)') { if (run) runs.push(run); run = null; continue; }
    const k = moduleOf(cf);
    bySelf.set(k, (bySelf.get(k) ?? 0) + d);
    run ??= { start: t, ms: 0, fns: new Map() };
    run.ms += d;
    const seen = new Set();  // inclusive time of each function in this stretch
    for (let id = p.samples[i]; id !== undefined; id = parent.get(id)) {
      const f = nodes.get(id).callFrame;
      const name = `${f.functionName || '(anonymous)'} (${moduleOf(f)})`;
      if (!seen.has(name)) { seen.add(name); run.fns.set(name, (run.fns.get(name) ?? 0) + d); }
    }
  }
  if (run) runs.push(run);
  console.log('main-thread time by package or app file (self, ms):');
  for (const [k, v] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${v.toFixed(0).padStart(7)}  ${k}`);
  console.log('\nstretches of work over 50 ms (start, length; the functions most time was spent in):');
  for (const r of runs.filter((r) => r.ms > 50)) {
    const top = [...r.fns].filter(([k]) => !/^\((root|program)\)/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 5);
    console.log(`${r.start.toFixed(0).padStart(7)} ms ${r.ms.toFixed(0).padStart(5)} ms  ${top.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
    // The app's own functions (components) in it, by inclusive time.
    const app = [...r.fns].filter(([k]) => /\(app: /.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 6);
    if (app.length) console.log(`${' '.repeat(18)}app: ${app.map(([k, v]) => `${k.replace(/ \(app: .*\)$/, '')} ${v.toFixed(0)}`).join(', ')}`);
  }
}
