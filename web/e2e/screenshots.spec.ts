// Screenshots of every page for docs/screenshots/ (README shows them): each page at 1440 px and
// 390 px (as a phone: touch, no hover) in the light theme, and each at 1440 px in the dark theme,
// and the sign-in page signed in at 390 px (its "Continue with the current session");
// then the sections below the first screen: the reports' schedules and run history, and the
// operations page's rebuild and dead letters where the server has any. Run with SCREENSHOTS=1
// (make screenshots), which also makes global-setup.ts seed 13 months of demo-like data, so
// that the 12-month trends show a year; skipped in the normal test run.
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { api, signIn } from './helpers';
import { state } from './state';

const out = path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const org = 'acme-corp';

/** The month before the current one (UTC, acme-corp's zone): a whole month, so the domain pages
 *  compare two whole months rather than a few days with the month before (docs/decisions.md). */
function lastMonth(): string {
  const d = new Date();
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
  return `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
}

const pages: [string, string][] = [
  ['dashboard', ''],
  ...['crm', 'hrm', 'finance', 'inventory', 'projects'].map((d): [string, string] => [d, `analytics/${d}?period=${lastMonth()}`]),
  ['cross-service', `analytics/cross?period=${lastMonth()}`],
  ['reports', `reports?period=${lastMonth()}`], ['search', 'search?q=smith'], ['operations', 'operations'],
];

test.skip(!process.env.SCREENSHOTS, 'set SCREENSHOTS=1 to write docs/screenshots/');

/** The demo's token (subject "demo", an admin of the seeded tenants), as `readside demo` prints. */
function demoToken(): string {
  return execFileSync(state().bin, ['token', '--secret-file', state().secret, '--org', 'acme-corp,beta-inc',
    '--roles', 'admin', '--sub', 'demo', '--ttl', '2h'], { encoding: 'utf8' }).trim();
}

async function shoot(browser: Browser, width: number, theme: 'light' | 'dark') {
  const suffix = theme === 'dark' ? `dark-${width}` : `${width}`;
  // 390 px as a phone: touch, no hover (hover-only controls show as they do on one).
  const phone = width < 800 ? { isMobile: true, hasTouch: true } : {};
  const context = await browser.newContext({ viewport: { width, height: width > 800 ? 900 : 844 }, colorScheme: theme, ...phone });
  const page = await context.newPage();
  await page.goto(`${state().base}/signin`);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.screenshot({ path: path.join(out, `signin-${suffix}.png`) });
  await signIn(page, demoToken());
  if (width < 800 && theme === 'light') {
    // Sign-in again while signed in: the current session's button (its label wraps on a phone).
    await page.goto(`${state().base}/signin`);
    await expect(page.getByRole('button', { name: 'Continue with the current session' })).toBeVisible();
    await page.screenshot({ path: path.join(out, `signin-session-${suffix}.png`) });
  }
  let donutShot = false;
  for (const [name, p] of pages) {
    await page.goto(`${state().base}/o/${org}/${p}`);
    await expect(page.locator('main h1').first()).toBeVisible();
    await page.waitForLoadState('networkidle');
    // Every chart in view drawn (they draw once seen, each in a task of its own).
    await expect.poll(() => page.evaluate(() => [...document.querySelectorAll('[data-series]')]
      .filter((c) => c.getBoundingClientRect().top < window.innerHeight)
      .every((c) => c.querySelector('svg')))).toBe(true);
    if (name === 'operations') {
      // The ingest rate once it has one ("measuring…" until the second reading, 5 s after the first).
      const rate = page.locator('.ops-tile', { has: page.locator('.ops-tile-label', { hasText: 'Ingest rate' }) });
      await expect(rate.locator('.ops-tile-value')).toHaveAttribute('data-value', /^-?\d/, { timeout: 15_000 });
    }
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(out, `${name}-${suffix}.png`) });
    // The first pie or donut of the domain pages, below the fold: its chart and its legend of
    // buttons (once per theme, at 1440 px).
    const donut = page.locator('figure:has(.chart-legend)').first();
    if (width > 800 && !donutShot && await donut.count()) {
      donutShot = true;
      await donut.scrollIntoViewIfNeeded();
      await expect.poll(() => donut.evaluate((f) => f.querySelector('[data-series] svg') !== null)).toBe(true);
      await page.waitForTimeout(300);
      await donut.screenshot({ path: path.join(out, `breakdown-${suffix}.png`) });
    }
  }
  await context.close();
}

for (const width of [1440, 390]) {
  test(`screenshots at ${width} px`, async ({ browser }) => {
    test.setTimeout(120_000);
    await shoot(browser, width, 'light');
  });
}

test('screenshots at 1440 px in the dark theme', async ({ browser }) => {
  test.setTimeout(120_000);
  await shoot(browser, 1440, 'dark');
});

/** Shoots `section` whole, with a margin, scrolled to just below the sticky top bar (which an
 *  element screenshot would draw over its top). The page's viewport must be taller than it. */
async function shootSection(page: Page, section: Locator, file: string) {
  await section.evaluate((e) => {
    const bar = document.querySelector('.topbar')?.getBoundingClientRect().height ?? 0;
    window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - bar - 16);
  });
  await page.waitForTimeout(300);
  const box = (await section.boundingBox())!;
  await page.screenshot({ path: path.join(out, file),
    clip: { x: box.x - 16, y: box.y - 16, width: box.width + 32, height: box.height + 32 } });
}

async function del(p: string, token: string) {
  const r = await fetch(`${state().base}${p}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
  expect(r.ok, `DELETE ${p}`).toBe(true);
}

test('screenshots of the sections below the first screen: report schedules and runs, rebuild, dead letters', async ({ browser }) => {
  test.setTimeout(240_000);
  const token = demoToken();
  // Runs to show in the history: three schedules due every minute, each sent once (to the mail
  // sink of global-setup.ts), then deleted; their runs stay in the history.
  const due: string[] = [];
  for (const [report, type, format] of [['financial', 'pnl', 'pdf'], ['sales', 'pipeline', 'excel'], ['hr', 'headcount', 'csv']]) {
    due.push((await api<{ id: string }>('/reports/schedule', token, { method: 'POST', body: JSON.stringify({
      organization_id: org, report, type, period: 'previous_month', format, cron: '* * * * *',
      recipients: ['cfo@acme-corp.example'] }) })).id);
  }
  await expect.poll(async () => {
    const { runs } = await api<{ runs: { schedule_id: string; status: string }[] }>(`/reports/history/${org}`, token);
    return due.filter((id) => runs.some((r) => r.schedule_id === id && r.status === 'sent')).length;
  }, { timeout: 150_000, intervals: [2_000] }).toBe(due.length);
  for (const id of due) await del(`/reports/scheduled/${id}`, token);
  // The schedules a finance team would keep.
  const kept = [
    { report: 'financial', type: 'pnl', period: 'previous_month', format: 'pdf', cron: '0 7 1 * *',
      recipients: ['cfo@acme-corp.example', 'board@acme-corp.example'] },
    { report: 'sales', type: 'pipeline', period: 'current_month', format: 'excel', cron: '0 8 * * 1',
      recipients: ['sales@acme-corp.example'] },
    { report: 'financial', type: 'ar_aging', period: 'previous_month', format: 'csv', cron: '30 6 * * 1-5',
      recipients: ['receivables@acme-corp.example'] },
  ];
  for (const k of kept) {
    await api('/reports/schedule', token, { method: 'POST', body: JSON.stringify({ organization_id: org, ...k }) });
  }

  const context = await browser.newContext({ viewport: { width: 1440, height: 1600 }, colorScheme: 'light' });
  try {
    const page = await context.newPage();
    await signIn(page, token, `/o/${org}/reports?period=${lastMonth()}`);
    const schedules = page.locator('section[aria-labelledby="schedules-title"]');
    await expect(schedules.locator('[data-schedule-id]')).toHaveCount(kept.length);
    const history = page.locator('section[aria-labelledby="history-title"]');
    await expect.poll(() => history.locator('tbody tr').count()).toBeGreaterThanOrEqual(due.length);
    await page.waitForLoadState('networkidle');
    await shootSection(page, schedules, 'reports-schedules-1440.png');
    await shootSection(page, history, 'reports-history-1440.png');

    // The rebuild of a tenant that had one, if any (none is started here; the seeded server has
    // had none so far).
    let rebuilt: string | undefined;
    for (const o of [org, 'beta-inc']) {
      const { state: s } = await api<{ state: string }>(`/admin/rebuild/${o}`, token);
      if (s !== 'idle') { rebuilt = o; break; }
    }
    if (rebuilt) {
      await page.goto(`${state().base}/o/${rebuilt}/operations`);
      const rebuild = page.locator('section[aria-labelledby="ops-rebuild"]');
      await expect(rebuild.locator('[data-rebuild-state]')).toBeVisible();
      await page.waitForLoadState('networkidle');
      await shootSection(page, rebuild, 'operations-rebuild-1440.png');
    } else {
      test.info().annotations.push({ type: 'not shot', description: 'operations-rebuild: no rebuild has run on this server' });
    }

    // Dead letters come from the demo's simulator and from Kafka, neither of which this server
    // has: shot only if some are there.
    const operator = execFileSync(state().bin, ['token', '--secret-file', state().secret, '--org', '*', '--roles', 'admin',
      '--sub', 'demo-operator', '--ttl', '1h'], { encoding: 'utf8' }).trim();
    const { dead_letters: letters } = await api<{ dead_letters: unknown[] }>('/admin/dead-letters?limit=1', operator);
    if (letters.length > 0) {
      await page.evaluate(() => sessionStorage.clear());
      await signIn(page, operator, `/o/${org}/operations`);
      const dead = page.locator('section[aria-labelledby="ops-dead"]');
      await expect(dead.getByText(/Every tenant's, oldest first/)).toBeVisible();
      await page.waitForLoadState('networkidle');
      await shootSection(page, dead, 'operations-dead-letters-1440.png');
    } else {
      test.info().annotations.push({ type: 'not shot', description: 'operations-dead-letters: this server has no dead letters' });
    }
  } finally {
    await context.close();
  }
});
