// The end-to-end checks, each against the real server started by global-setup.ts.
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { addWidgetInDialog, api, dragOnto, postInvoice, signIn, waitLive, watchProblems } from './helpers';
import { state } from './state';

const org = 'acme-corp';

interface Widget { widget_id: string; data_source: string; query_params: { metric: string };
  grid: { x: number; y: number; w: number; h: number }; cached_data: Record<string, unknown> | null }
interface Dashboard { widgets: Widget[] }

test('signs in through the #token= link and removes the token from the address', async ({ page }) => {
  await page.goto(`${state().base}/#token=${state().tokens.admin}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/Executive overview|Dashboard/);
  expect(page.url()).not.toContain('token');
  expect(page.url()).toBe(`${state().base}/o/${org}`);
  expect(await page.evaluate(() => sessionStorage.getItem('readside.token'))).toBe(state().tokens.admin);
  expect(await page.evaluate(() => document.cookie)).toBe('');
});

test('a pasted token signs in, a bad one is explained, an expired one returns to sign-in', async ({ page }) => {
  await page.goto(`${state().base}/o/${org}`);
  await expect(page).toHaveURL(/\/signin$/);
  await page.getByLabel('Token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('three parts');
  await page.getByLabel('Token').fill(state().tokens.admin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${org}$`));

  // The 2-second token of global-setup has long expired.
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(`${state().base}/#token=${state().tokens.expired}`);
  await expect(page).toHaveURL(/\/signin$/);
  await expect(page.getByRole('status').or(page.getByRole('alert')).first()).toContainText(/expired/i);
});

test('every data-metric on the dashboard shows the API value', async ({ page }) => {
  await signIn(page);
  const dashboard = await api<Dashboard>(`/dashboards/${org}`);
  await expect(page.locator('[data-widget-id]')).toHaveCount(dashboard.widgets.length);
  const tiles = page.locator('[data-metric]');
  expect(await tiles.count()).toBeGreaterThan(5);
  for (const w of dashboard.widgets) {
    const d = w.cached_data;
    if (!d || !('value' in d)) continue;
    const tile = page.locator(`[data-widget-id="${w.widget_id}"] [data-metric="${w.data_source}.${w.query_params.metric}"]`);
    await expect(tile).toHaveAttribute('data-value', d.value === null ? '' : String(d.value));
    await expect(tile).not.toHaveText('');
    await expect(page.locator(`[data-widget-id="${w.widget_id}"] [data-period="${d.period}"]`)).toHaveCount(1);
  }
  // Map entries of table widgets: <domain>.<metric>.<key>.
  for (const w of dashboard.widgets) {
    const d = w.cached_data as { rows?: { key?: string; value?: number }[] } | null;
    for (const row of d?.rows ?? []) {
      if (row.key === undefined) continue;
      await expect(page.locator(`[data-widget-id="${w.widget_id}"] [data-metric="${w.data_source}.${w.query_params.metric}.${row.key}"]`))
        .toHaveAttribute('data-value', String(row.value));
    }
  }
  await expect(page.locator('[data-series]').first()).toBeVisible();
});

test('every data-metric on the domain pages shows the API value, in the tenant currency', async ({ page }) => {
  const routes: Record<string, string> = {
    crm: 'crm/pipeline', hrm: 'hrm/headcount', finance: 'finance/revenue', inventory: 'inventory/turnover',
    projects: 'projects/utilization', cross: 'cross',
  };
  await signIn(page, state().tokens.admin, '/o/beta-inc');
  for (const [domain, route] of Object.entries(routes)) {
    await page.goto(`${state().base}/o/beta-inc/analytics/${domain}`);
    const root = page.locator('[data-org="beta-inc"][data-period]').first();
    await expect(root).toBeVisible();
    const period = await root.getAttribute('data-period');
    const body = await api<Record<string, unknown>>(`/analytics/${route}/beta-inc?period=${period}`);
    const tiles = page.locator(`[data-metric^="${domain}."]`);
    await expect(tiles.first()).toBeVisible();
    const n = await tiles.count();
    for (let i = 0; i < n; i++) {
      const [, metric, key] = (await tiles.nth(i).getAttribute('data-metric'))!.split('.');
      let want = body[metric];
      if (key !== undefined) {
        want = Array.isArray(want)
          ? (want as { user_id: string; won_value: number }[]).find((r) => r.user_id === key)?.won_value
          : (want as Record<string, unknown>)[key];
      }
      expect(await tiles.nth(i).getAttribute('data-value'), `${domain}.${metric}${key ? '.' + key : ''}`)
        .toBe(want === null || want === undefined ? '' : String(want));
    }
  }
  // beta-inc is set to EUR: money shows in euros.
  await page.goto(`${state().base}/o/beta-inc/analytics/finance`);
  await expect(page.locator('[data-metric="finance.total_revenue"]').first()).toContainText('€');
});

test('an ingested event moves a number live, without a reload', async ({ page }) => {
  await signIn(page);
  await waitLive(page);
  await page.evaluate(() => { (window as unknown as { __noReload: boolean }).__noReload = true; });
  const tile = page.locator('[data-widget-id="executive-1"] [data-metric="finance.total_revenue"]');
  const before = Number(await tile.getAttribute('data-value'));
  await postInvoice(org, 1234.56, 'live');
  await expect(tile).toHaveAttribute('data-value', String(Math.round((before + 1234.56) * 10000) / 10000));
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
});

test('dragging a widget persists across a reload', async ({ page }) => {
  await signIn(page);
  const before = (await api<Dashboard>(`/dashboards/${org}`)).widgets.find((w) => w.widget_id === 'executive-4')!;
  expect((await dragOnto(page, org, 'executive-4', 'executive-1')).status()).toBe(200);
  const after = (await api<Dashboard>(`/dashboards/${org}`)).widgets.find((w) => w.widget_id === 'executive-4')!;
  expect(after.grid).not.toEqual(before.grid);
  expect(after.grid.x).toBe(0);
  await page.reload();
  const box = (await page.locator('[data-widget-id="executive-4"]').boundingBox())!;
  const first = (await page.locator('[data-widget-id="executive-1"]').boundingBox())!;
  expect(Math.abs(box.x - Math.min(box.x, first.x))).toBeLessThan(2);
});

test('adding a widget from the dialog shows its data', async ({ page }) => {
  await signIn(page);
  const count = await page.locator('[data-widget-id]').count();
  await addWidgetInDialog(page, 'inventory', 'units_on_hand', 'Units on hand (e2e)');
  await expect(page.locator('[data-widget-id]')).toHaveCount(count + 1);
  const tile = page.locator('section[aria-label="Units on hand (e2e)"] [data-metric="inventory.units_on_hand"]');
  await expect(tile).toHaveAttribute('data-value', /^-?\d/);
  const body = await api<Record<string, number>>(`/analytics/inventory/turnover/${org}`);
  await expect(tile).toHaveAttribute('data-value', String(body.units_on_hand));
});

test('an export downloads a PDF', async ({ page }) => {
  await signIn(page, state().tokens.admin, `/o/${org}/reports`);
  const download = page.waitForEvent('download');
  await page.locator('[data-export="pdf"]').first().click();
  const file = await (await download).path();
  expect(readFileSync(file).subarray(0, 4).toString('latin1')).toBe('%PDF');
});

test('a search suggestion navigates to the results', async ({ page }) => {
  await signIn(page);
  const hits = await api<{ hits: { title: string }[] }>(`/search/${org}?q=a&limit=1`);
  const word = (hits.hits[0]?.title ?? 'smith').split(/\s+/)[0].toLowerCase();
  const box = page.getByRole('search').getByRole('combobox', { name: 'Search' });
  await box.fill(word.slice(0, 3));
  const option = page.getByRole('search').getByRole('option').first();
  await expect(option).toBeVisible();
  const text = await option.getAttribute('data-suggestion');
  await option.click();
  await expect(page).toHaveURL(new RegExp(`/o/${org}/search\\?q=`));
  expect(decodeURIComponent(page.url())).toContain(text!);
  await expect(page.locator('[data-hit-id]').first()).toBeVisible();
});

test('a sales-only token sees no finance', async ({ page }) => {
  const problems = watchProblems(page);
  await signIn(page, state().tokens.sales);
  await expect(page.getByRole('navigation').getByRole('link', { name: 'CRM' })).toBeVisible();
  for (const name of ['Finance', 'HRM', 'Inventory', 'Projects', 'Cross-service', 'Operations']) {
    await expect(page.getByRole('navigation').getByRole('link', { name })).toHaveCount(0);
  }
  await expect(page.locator('[data-widget-id]').first()).toBeVisible();
  await expect(page.locator('[data-metric^="finance."], [data-metric^="cross."], [data-series^="finance."]')).toHaveCount(0);
  await expect(page.locator('[data-metric^="crm."]').first()).toBeVisible();
  await page.goto(`${state().base}/o/${org}/analytics/finance`);
  await expect(page.getByText(/roles do not/i)).toBeVisible();
  await expect(page.locator('[data-metric^="finance."]')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('no console errors and no failed requests on any page', async ({ page }) => {
  const problems = watchProblems(page);
  await signIn(page);
  await waitLive(page);
  const pages = ['analytics/crm', 'analytics/hrm', 'analytics/finance', 'analytics/inventory', 'analytics/projects',
    'analytics/cross', 'reports', 'search?q=a', 'operations', ''];
  for (const p of pages) {
    await page.goto(`${state().base}/o/${org}/${p}`);
    await expect(page.locator('main h1').first()).toBeVisible();
    await page.waitForLoadState('networkidle');
  }
  expect(problems).toEqual([]);
});

test('keyboard alone reaches every control', async ({ page }) => {
  await signIn(page);
  for (const p of ['', 'analytics/finance', 'reports', 'search?q=a', 'operations']) {
    await page.goto(`${state().base}/o/${org}/${p}`);
    await expect(page.locator('main h1').first()).toBeVisible();
    await page.waitForLoadState('networkidle');
    const controls = await page.evaluate(() => {
      const sel = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
      const visible = (e: Element) => {
        const r = (e as HTMLElement).getBoundingClientRect();
        const s = getComputedStyle(e);
        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !(e as HTMLElement).closest('[hidden], [inert]');
      };
      const all = [...document.querySelectorAll(sel)].filter(visible);
      all.forEach((e, i) => e.setAttribute('data-kb', String(i)));
      return all.length;
    });
    const reached = new Set<string>();
    await page.locator('body').focus();
    for (let i = 0; i < controls * 2 + 10 && reached.size < controls; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement?.getAttribute('data-kb') ?? null);
      if (id !== null) reached.add(id);
    }
    const missed = await page.evaluate((seen) => [...document.querySelectorAll('[data-kb]')]
      .filter((e) => !seen.includes(e.getAttribute('data-kb')!))
      .map((e) => e.outerHTML.slice(0, 120)), [...reached]);
    expect(missed, `page /${p}`).toEqual([]);
  }
});

function mint(roles: string, sub: string): string {
  return execFileSync(state().bin, ['token', '--secret-file', state().secret, '--org', org, '--roles', roles,
    '--sub', sub, '--ttl', '1h'], { encoding: 'utf8' }).trim();
}

test('narrower roles see only what they may read, with no errors on any page they can open', async ({ page }) => {
  const problems = watchProblems(page);
  // An analyst reads crm, finance, inventory, projects: of the cross metrics, those without hrm.
  await signIn(page, mint('analyst', 'e2e-analyst'));
  const nav = page.getByRole('navigation');
  await expect(nav.getByRole('link', { name: 'Cross-service' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'HRM' })).toHaveCount(0);
  for (const p of ['analytics/crm', 'analytics/finance', 'analytics/inventory', 'analytics/projects', 'analytics/cross', 'reports', 'search?q=a']) {
    await page.goto(`${state().base}/o/${org}/${p}`);
    await expect(page.locator('main h1').first()).toBeVisible();
    await page.waitForLoadState('networkidle');
  }
  await page.goto(`${state().base}/o/${org}/analytics/cross`);
  await expect(page.locator('[data-metric="cross.pipeline_coverage"]').first()).toBeVisible();
  await expect(page.locator('[data-metric="cross.revenue_per_employee"]')).toHaveCount(0);
  // hr + sales: no cross metric has all its sources, so no Cross-service page.
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, mint('hr,sales', 'e2e-hr-sales'));
  await expect(page.getByRole('navigation').getByRole('link', { name: 'HRM' })).toBeVisible();
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Cross-service' })).toHaveCount(0);
  await page.goto(`${state().base}/o/${org}/analytics/hrm`);
  await expect(page.locator('[data-metric^="hrm."]').first()).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect(problems).toEqual([]);
});

test('the sign-in page works by keyboard alone', async ({ page }) => {
  await page.goto(`${state().base}/signin`);
  await expect(page.getByLabel('Token')).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Token')).toBeFocused();
  await page.keyboard.type(state().tokens.admin);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/o/${org}$`));
});

test('the rebuild panel shows a queued rebuild, its place in the queue, and holds the button', async ({ page }) => {
  // The server's queue is tested in test_consistency.py; a real queued state lasts too short
  // here to look at, so GET /admin/rebuild/{org} answers one (the shape of RebuildStatus).
  await page.route(`**/admin/rebuild/${org}`, async (route) => {
    if (route.request().method() !== 'GET') return route.continue();
    await route.fulfill({ json: { state: 'queued', scope: org, queue_position: 2, target_position: 182400,
      events_read: 0, started_at: null, finished_at: null } });
  });
  await signIn(page, state().tokens.admin, `/o/${org}/operations`);
  const panel = page.locator('[data-rebuild-state="queued"]');
  await expect(panel).toBeVisible();
  await expect(panel.locator('.badge').first()).toHaveText('Queued');
  await expect(panel).toContainText('this tenant');
  await expect(panel.locator('[data-queue-position="2"]')).toHaveText('2 rebuilds ahead of it');
  await expect(page.getByRole('button', { name: 'Rebuild queued…' })).toBeDisabled();
  await page.locator('.rebuild').screenshot({ path: test.info().outputPath('rebuild-queued.png') });
});
