// Screenshots of every page for docs/screenshots/ (README shows them): each page at 1440 px and
// 390 px in the light theme, and each at 1440 px in the dark theme. Run with SCREENSHOTS=1
// (make screenshots), which also makes global-setup.ts seed 13 months of demo-like data, so
// that the 12-month trends show a year; skipped in the normal test run.
import { expect, test, type Browser } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { signIn } from './helpers';
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
  const context = await browser.newContext({ viewport: { width, height: width > 800 ? 900 : 844 }, colorScheme: theme });
  const page = await context.newPage();
  await page.goto(`${state().base}/signin`);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.screenshot({ path: path.join(out, `signin-${suffix}.png`) });
  await signIn(page, demoToken());
  let donutShot = false;
  for (const [name, p] of pages) {
    await page.goto(`${state().base}/o/${org}/${p}`);
    await expect(page.locator('main h1').first()).toBeVisible();
    await page.waitForLoadState('networkidle');
    // Every chart in view drawn (they draw once seen, each in a task of its own).
    await expect.poll(() => page.evaluate(() => [...document.querySelectorAll('[data-series]')]
      .filter((c) => c.getBoundingClientRect().top < window.innerHeight)
      .every((c) => c.querySelector('svg')))).toBe(true);
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
