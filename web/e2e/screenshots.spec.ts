// Screenshots of every page at 1440 px and 390 px for docs/screenshots/ (README shows them).
// Run with SCREENSHOTS=1 (make screenshots); skipped in the normal test run.
import { expect, test } from '@playwright/test';
import path from 'node:path';
import { signIn } from './helpers';
import { state } from './state';

const out = path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const org = 'acme-corp';
const pages: [string, string][] = [
  ['dashboard', ''], ['crm', 'analytics/crm'], ['finance', 'analytics/finance'], ['reports', 'reports'],
  ['search', 'search?q=smith'], ['operations', 'operations'],
];

test.skip(!process.env.SCREENSHOTS, 'set SCREENSHOTS=1 to write docs/screenshots/');

for (const width of [1440, 390]) {
  test(`screenshots at ${width} px`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width, height: width > 800 ? 900 : 844 }, colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(`${state().base}/signin`);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await page.screenshot({ path: path.join(out, `signin-${width}.png`) });
    await signIn(page);
    for (const [name, p] of pages) {
      await page.goto(`${state().base}/o/${org}/${p}`);
      await expect(page.locator('main h1').first()).toBeVisible();
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(out, `${name}-${width}.png`) });
    }
    if (width === 1440) {
      await page.evaluate(() => localStorage.setItem('readside.theme', 'dark'));
      await page.goto(`${state().base}/o/${org}`);
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(out, `dashboard-dark-${width}.png`) });
      await page.evaluate(() => localStorage.removeItem('readside.theme'));
    }
    await context.close();
  });
}
