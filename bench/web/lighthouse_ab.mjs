#!/usr/bin/env node
// Lighthouse A/B of builds of the web app: one readside per build (the same generated events,
// seeded as web_bench.mjs seeds its server: 15,000 events over 59 days, the executive template
// plus a chart and a list), then Lighthouse runs that alternate between the builds, so that a
// slow minute of this shared machine falls on both. Lighthouse 12's default mobile emulation
// (simulated slow 4G, 4x CPU slowdown) unless --preset desktop; the same Chromium flags and
// categories as web_bench.mjs ('loopback': the desktop preset unthrottled, and time to
// interactive). Prints every run's performance, accessibility, FCP, LCP, TBT,
// then each build's medians.
// Usage: bench/web/lighthouse_ab.mjs --dirs before=/tmp/web-a,after=/tmp/web-b [--pages finance,dashboard]
//        [--runs 5] [--preset mobile|desktop|loopback] [--bin build/readside] [--out DIR (each report in full)]
//        [--trace (with --out: each run's trace too)]
// Build a variant with: (cd web && node_modules/.bin/vite build --outDir /tmp/web-b)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { args, opt, readsideBin, chromePath, chromeFlags, generateEvents, makeToken, median, org, secretText, seed,
  startReadside, waitQuiet } from './bench_server.mjs';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';

const bin = readsideBin();
if (!opt('--dirs')) throw new Error('--dirs label=webdir,label=webdir is required');
const builds = opt('--dirs').split(',').map((s) => { const [label, dir] = s.split('='); return { label, dir: path.resolve(dir) }; });
const pages = opt('--pages', 'finance,dashboard').split(',');
const runs = Number(opt('--runs', '5'));
const preset = opt('--preset', 'mobile');
const out = opt('--out', null);
if (out) mkdirSync(out, { recursive: true });
const kPages = { dashboard: `/o/${org}`, finance: `/o/${org}/analytics/finance` };
for (const p of pages) if (!(p in kPages)) throw new Error(`--pages: no page '${p}' (${Object.keys(kPages).join(', ')})`);
const tmp = mkdtempSync(path.join(tmpdir(), 'readside-lhab-'));
const secret = path.join(tmp, 'secret');
writeFileSync(secret, secretText, { mode: 0o600 });
const admin = makeToken(bin, secret, 'admin', '4h');
const events = path.join(tmp, 'events.ndjson');
generateEvents(bin, events);

const servers = [];
const results = [];
try {
  for (const b of builds) {
    const { base, proc } = await startReadside(bin, { dataDir: path.join(tmp, `data-${b.label}`), secretFile: secret,
      webDir: b.dir });
    servers.push({ ...b, base, proc });
    await seed(bin, base, events, makeToken(bin, secret, 'ingest', '4h'), admin);
  }
  await waitQuiet(servers.map((s) => s.proc.pid), 180);
  // 'loopback': the desktop preset without throttling, as web_bench.mjs judges the dashboard's
  // time to interactive.
  const desktop = (await import('lighthouse/core/config/desktop-config.js')).default;
  const config = preset === 'desktop' ? desktop
    : preset === 'loopback' ? { ...desktop, settings: { ...desktop.settings, throttlingMethod: 'provided' } }
    : undefined;
  for (let i = 0; i < runs; i++) {
    for (const page of pages) {
      for (const s of i % 2 ? [...servers].reverse() : servers) {
        const chrome = await chromeLauncher.launch({ chromePath, chromeFlags });
        try {
          const r = await lighthouse(`${s.base}${kPages[page]}#token=${admin}`, { port: chrome.port, output: 'json',
            logLevel: 'error', onlyCategories: ['performance', 'accessibility'] }, config);
          if (out) {
            writeFileSync(path.join(out, `${page}-${s.label}-${i}.json`), r.report);
            if (args.includes('--trace')) writeFileSync(path.join(out, `${page}-${s.label}-${i}.trace.json`), JSON.stringify(r.artifacts.Trace));
          }
          const a = r.lhr.audits;
          const c = r.lhr.categories;
          const row = { run: i, page, build: s.label, performance: Math.round(c.performance.score * 100),
            accessibility: Math.round(c.accessibility.score * 100), fcp: Math.round(a['first-contentful-paint'].numericValue),
            lcp: Math.round(a['largest-contentful-paint'].numericValue), tbt: Math.round(a['total-blocking-time'].numericValue),
            tti: Math.round(a.interactive.numericValue),
            cls: +a['cumulative-layout-shift'].numericValue.toFixed(3), load: readFileSync('/proc/loadavg', 'utf8').split(' ')[0] };
          results.push(row);
          console.log(JSON.stringify(row));
        } finally {
          await chrome.kill();
        }
      }
    }
  }
} finally {
  for (const s of servers) {
    const exited = new Promise((r) => s.proc.once('exit', r));
    s.proc.kill('SIGTERM');
    await exited;
  }
  rmSync(tmp, { recursive: true, force: true });
}
for (const page of pages) {
  for (const b of builds) {
    const rs = results.filter((r) => r.page === page && r.build === b.label);
    console.log(`${page} (${preset}) ${b.label}: performance median ${median(rs.map((r) => r.performance))} ` +
      `(${rs.map((r) => r.performance).join(', ')}); TBT median ${median(rs.map((r) => r.tbt))} ms ` +
      `(${rs.map((r) => r.tbt).join(', ')}); LCP median ${median(rs.map((r) => r.lcp))} ms; ` +
      `FCP median ${median(rs.map((r) => r.fcp))} ms; TTI median ${median(rs.map((r) => r.tti))} ms ` +
      `(${rs.map((r) => r.tti).join(', ')}); accessibility ${[...new Set(rs.map((r) => r.accessibility))].join('/')}`);
  }
}
if (out) writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, null, 1));
