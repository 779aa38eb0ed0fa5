// The dashboard's own checks: templates, a user's own copy and sharing it, live updates after
// an edit, and drag/resize without errors. Each test signs in as a fresh user of beta-inc
// (app.spec.ts only reads beta-inc), so what one test changes never reaches another: a user's
// first change makes their own copy; the organization's default stays as it is.
import { expect, test, type Page, type WebSocketRoute } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { addWidgetInDialog, api, dragOnto, postInvoice, signIn, waitLive, watchProblems } from './helpers';
import { state } from './state';

const org = 'beta-inc';

interface Widget { widget_id: string; title: string; grid: { x: number; y: number; w: number; h: number } }
interface Dashboard { dashboard_id: string; owner: string | null; widgets: Widget[] }
interface Template { name: string; title: string; widgets: { title: string }[] }

/** A fresh subject, unique in this run. */
function freshSub(what: string): string {
  return `e2e-dash-${what}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** A token of beta-inc for `sub` with `roles`, minted with the test server's secret. */
function mint(sub: string, roles: string): string {
  return execFileSync(state().bin, ['token', '--secret-file', state().secret, '--org', org, '--roles', roles,
    '--sub', sub, '--ttl', '1h'], { encoding: 'utf8' }).trim();
}

async function widgetTitles(page: Page): Promise<string[]> {
  return (await page.locator('[data-widget-id] .widget-title h2').allTextContents()).sort();
}


test('applying the Sales template to one’s own dashboard shows its widgets, also after a reload', async ({ page }) => {
  const problems = watchProblems(page);
  const token = mint(freshSub('template'), 'admin');
  const { templates } = await api<{ templates: Template[] }>('/dashboard-templates', token);
  const sales = templates.find((t) => t.name === 'sales')!;
  const want = sales.widgets.map((w) => w.title).sort();

  await signIn(page, token, `/o/${org}`);
  await expect(page.locator('[data-dashboard-id]')).toHaveAttribute('data-dashboard-id', 'default');
  expect(await widgetTitles(page)).not.toEqual(want);
  await page.getByRole('button', { name: 'Templates' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('replaces the widgets of your own dashboard');
  await expect(dialog.getByRole('button', { name: 'Set as the organization default: Sales' })).toBeVisible();
  const applied = page.waitForResponse((r) => r.url().endsWith(`/from-template/sales`));
  await dialog.getByRole('button', { name: 'Use Sales as my dashboard' }).click();
  const answer = await applied;
  expect(answer.status()).toBe(201);
  expect(answer.request().postDataJSON()).toEqual({ target: 'own' });
  await expect(dialog).toBeHidden();

  await expect(page.locator('[data-widget-id]')).toHaveCount(want.length);
  await expect.poll(() => widgetTitles(page)).toEqual(want);
  await expect(page.locator('[data-dashboard-id]')).toHaveAttribute('data-dashboard-id', /^u-/);
  await expect(page.locator('main h1')).toHaveText(sales.title);

  await page.reload();
  await expect(page.locator('[data-widget-id]')).toHaveCount(want.length);
  expect(await widgetTitles(page)).toEqual(want);
  // The organization's default is untouched.
  const fresh = await api<Dashboard>(`/dashboards/${org}`, mint(freshSub('other'), 'admin'));
  expect(fresh.dashboard_id).toBe('default');
  expect(fresh.widgets.map((w) => w.title).sort()).not.toEqual(want);
  expect(problems).toEqual([]);
});

test('a first drag makes one’s own copy, which is shared by link and opens read-only', async ({ page, browser }) => {
  const problems = watchProblems(page);
  const ownerSub = freshSub('owner');
  const viewerSub = freshSub('viewer');
  await signIn(page, mint(ownerSub, 'admin'), `/o/${org}`);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: state().base });

  // On the organization's default, Share explains why it waits for the first change.
  const share = page.getByRole('button', { name: 'Share' });
  await expect(share).toHaveAttribute('aria-disabled', 'true');
  await expect(share).toHaveAttribute('title', /first change/);
  await expect(page.getByText('Your own copy is made on your first change; share it then')).toBeVisible();

  const saved = await dragOnto(page, org, 'executive-4', 'executive-1');
  expect(saved.status()).toBe(200);
  const own = (await saved.json()) as Dashboard;
  expect(own.dashboard_id).toMatch(/^u-/);
  expect(own.owner).toBe(ownerSub);
  await expect(page.locator('[data-dashboard-id]')).toHaveAttribute('data-dashboard-id', own.dashboard_id);
  await expect(share).not.toHaveAttribute('aria-disabled', 'true');

  await share.click();
  const dialog = page.getByRole('dialog');
  const link = `${state().base}/o/${org}/d/${own.dashboard_id}`;
  await expect(dialog.getByLabel('Link')).toHaveValue(link);
  await dialog.getByLabel('Users').fill(viewerSub);
  await dialog.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(dialog.getByRole('status').filter({ hasText: `Shared with ${viewerSub}` })).toBeVisible();
  await dialog.getByRole('button', { name: 'Copy link' }).click();
  await expect(dialog.getByText(/Link copied|The link is selected/)).toBeVisible();
  if (await dialog.getByText('Link copied').isVisible()) {
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  }
  const sharedWith = await api<Dashboard & { shared_with: { users: string[] } }>(`/dashboards/${org}/${own.dashboard_id}`, state().tokens.admin);
  expect(sharedWith.shared_with.users).toEqual([viewerSub]);
  expect(problems).toEqual([]);

  // The viewer (sales only) opens the link: the dashboard, read-only, live.
  const context = await browser.newContext();
  const viewer = await context.newPage();
  const viewerProblems = watchProblems(viewer);
  await viewer.goto(`${link}#token=${mint(viewerSub, 'sales')}`);
  await expect(viewer.locator('main h1').first()).toBeVisible();
  await expect(viewer.locator('[data-dashboard-id]')).toHaveAttribute('data-dashboard-id', own.dashboard_id);
  await expect(viewer.locator('[data-widget-id]')).toHaveCount(own.widgets.length);
  await expect(viewer.getByText('This dashboard is shared with you')).toBeVisible();
  await expect(viewer.getByRole('button', { name: 'Add widget' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: /^Edit / })).toHaveCount(0);
  await expect(viewer.locator('.widget-drag')).toHaveCount(0);
  // Finance is not a sales domain: those widgets are quiet and say so by name.
  const profit = viewer.locator('section[aria-label="Net profit this month"]');
  await expect(profit).toHaveClass(/widget-forbidden/);
  await expect(profit).toContainText('Your roles do not include Finance.');
  await expect(profit.locator('[data-metric]')).toHaveCount(0);
  await expect(viewer.locator('[data-metric^="crm."]').first()).toBeVisible();
  await waitLive(viewer);
  expect(viewerProblems).toEqual([]);
  await context.close();
});

test('after an edit makes one’s own copy, live updates are the edited widget’s', async ({ page }) => {
  const problems = watchProblems(page);
  await signIn(page, mint(freshSub('live'), 'admin'), `/o/${org}`);
  await waitLive(page);
  await page.evaluate(() => { (window as unknown as { __noReload: boolean }).__noReload = true; });
  await expect(page.locator('[data-dashboard-id]')).toHaveAttribute('data-dashboard-id', 'default');

  const card = page.locator('section[aria-label="Net profit this month"]');
  const id = (await card.getAttribute('data-widget-id'))!;
  await card.getByRole('button', { name: 'Edit Net profit this month' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByLabel('Source')).toHaveValue('finance');
  await dialog.getByLabel('Metric').selectOption('invoices_created');
  await dialog.getByLabel('Title').fill('Invoices created (e2e)');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('[data-dashboard-id]')).toHaveAttribute('data-dashboard-id', /^u-/);

  const tile = page.locator(`[data-widget-id="${id}"] [data-metric="finance.invoices_created"]`);
  await expect(tile).toHaveAttribute('data-value', /^\d+$/);
  await waitLive(page);
  const before = Number(await tile.getAttribute('data-value'));
  await postInvoice(org, 99.5, 'dash');
  await expect(tile).toHaveAttribute('data-value', String(before + 1));
  // And it stays there: no push of the default's widget (Net profit this month, same id) overwrites it.
  await page.waitForTimeout(1500);
  await expect(tile).toHaveAttribute('data-value', String(before + 1));
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  expect(problems).toEqual([]);
});

test('dragging and resizing widgets logs no errors and fails no request', async ({ page }) => {
  const problems = watchProblems(page);
  const token = mint(freshSub('drag'), 'admin');
  await signIn(page, token, `/o/${org}`);
  await waitLive(page);

  expect((await dragOnto(page, org, 'executive-4', 'executive-1')).status()).toBe(200);

  const item = page.locator('.react-grid-item', { has: page.locator('[data-widget-id="executive-1"]') });
  const handle = item.locator('.react-resizable-handle');
  const before = (await api<Dashboard>(`/dashboards/${org}`, token)).widgets.find((w) => w.widget_id === 'executive-1')!;
  const hb = (await handle.boundingBox())!;
  const saved = page.waitForResponse((r) => r.url().endsWith(`/dashboards/${org}/layout`) && r.request().method() === 'PUT');
  await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2);
  await page.mouse.down();
  await page.mouse.move(hb.x + 120, hb.y + 50, { steps: 6 });
  await page.mouse.move(hb.x + 240, hb.y + 90, { steps: 6 });
  await page.mouse.up();
  expect((await saved).status()).toBe(200);
  const after = (await api<Dashboard>(`/dashboards/${org}`, token)).widgets.find((w) => w.widget_id === 'executive-1')!;
  expect(after.grid.w).toBeGreaterThan(before.grid.w);
  await page.waitForTimeout(500);

  // No console errors (react-draggable's inline <style>, once refused by the CSP, is gone), no
  // failed request, no HTTP error.
  expect(problems).toEqual([]);
});

test('a delete the server refuses is said in the widget, which stays', async ({ page }) => {
  await signIn(page, mint(freshSub('delete-fails'), 'admin'), `/o/${org}`);
  // The server refuses every delete of a widget (a 503 with its problem+json).
  await page.route((url) => url.pathname.startsWith(`/dashboards/${org}/widgets/`), (route) =>
    route.request().method() === 'DELETE'
      ? route.fulfill({ status: 503, contentType: 'application/problem+json',
        body: JSON.stringify({ title: 'Service Unavailable', detail: 'The store is busy (e2e)' }) })
      : route.continue());
  const card = page.locator('section[aria-label="Net profit this month"]');
  await card.getByRole('button', { name: 'Delete Net profit this month' }).click();
  await page.getByRole('dialog').locator('[data-action="confirm-delete"]').click();
  await expect(card.getByRole('alert')).toHaveText('Not deleted: The store is busy (e2e). Try again.');
  await expect(card).toBeVisible();
});

test('deleting a widget by keyboard: a red confirm in a dialog named by the widget, then the focus on the widget after it', async ({ page }) => {
  await signIn(page, mint(freshSub('delete-focus'), 'admin'), `/o/${org}`);
  const profit = page.locator('section[aria-label="Net profit this month"]');
  await profit.getByRole('button', { name: 'Delete Net profit this month' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.locator('dialog[open]');
  await expect(dialog.getByRole('heading')).toHaveText('Delete “Net profit this month”?');
  // Red as the schedule's delete on the reports page, here where the reports page's CSS is not loaded.
  const bad = await page.evaluate(() => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--bad)';
    document.body.append(probe);
    const color = getComputedStyle(probe).color;
    probe.remove();
    return color;
  });
  const confirm = dialog.locator('[data-action="confirm-delete"]');
  await expect(confirm).toHaveCSS('background-color', bad);
  await confirm.focus();
  await page.keyboard.press('Enter');
  await expect(profit).toHaveCount(0);
  // Its Delete button went with it: the focus is on the next widget in reading order (its place
  // taken), not lost to the page's body; Tab goes on into that widget.
  await expect(page.locator('section[aria-label="Pipeline value"]')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Edit Pipeline value' })).toBeFocused();
});

test('setting a template as the organization’s default asks in its card, by keyboard: Keep focused, Escape closes the question only', async ({ page }) => {
  await signIn(page, mint(freshSub('template-ask'), 'admin'), `/o/${org}`);
  const posts: string[] = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()); });
  const templates = page.getByRole('button', { name: 'Templates' });
  await templates.focus();
  await page.keyboard.press('Enter');
  const dialog = page.locator('dialog[open]');
  const ask = dialog.getByRole('button', { name: 'Set as the organization default: Sales' });
  const question = dialog.getByRole('group', { name: /^Replace the organization’s default dashboard with “Sales”\?/ });
  await ask.focus();
  await page.keyboard.press('Enter');
  await expect(question).toBeVisible();
  await expect(question.getByRole('button', { name: 'Keep the current default' })).toBeFocused();
  // Escape answers the question, not the dialog: the focus is back on the button that asked.
  await page.keyboard.press('Escape');
  await expect(question).toHaveCount(0);
  await expect(dialog).toBeVisible();
  await expect(ask).toBeFocused();
  // So does Keep.
  await page.keyboard.press('Enter');
  await expect(question.getByRole('button', { name: 'Keep the current default' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(question).toHaveCount(0);
  await expect(ask).toBeFocused();
  // With no question, Escape closes the dialog, onto its button.
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(templates).toBeFocused();
  expect(posts.filter((u) => u.includes('/from-template/'))).toEqual([]);
});

test('on a phone the one-column stack has no drag grips, and a new widget is scrolled into view', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const problems = watchProblems(page);
  await signIn(page, mint(freshSub('phone'), 'admin'), `/o/${org}`);
  await expect(page.locator('.stack [data-widget-id]').first()).toBeVisible();
  await expect(page.locator('.drag-grip')).toHaveCount(0);
  await expect(page.locator('.widget-drag')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Edit / }).first()).toBeVisible();

  // The new widget comes last in the stack, far below the fold: the page scrolls to it.
  await addWidgetInDialog(page, 'finance', 'invoices_paid', 'Paid on the phone');
  const added = page.locator('section[aria-label="Paid on the phone"]');
  await expect(added).toBeInViewport();
  expect(problems).toEqual([]);
  await context.close();
});

test('the widget dialog keeps a series’ range, fills the first free slot and shows field errors by their field', async ({ page }) => {
  await signIn(page, mint(freshSub('dialog'), 'admin'), `/o/${org}`);

  // A template chart has no from/to: 12 months up to now, moving with time.
  const chart = page.locator('section[aria-label="Revenue, last 12 months"]');
  await chart.getByRole('button', { name: /^Edit / }).click();
  let dialog = page.getByRole('dialog');
  await expect(dialog.getByLabel('Granularity')).toHaveValue('month');
  await expect(dialog.getByLabel('Periods shown')).toHaveValue('12');
  await expect(dialog.getByText('moves with time')).toBeVisible();
  await dialog.getByLabel('Granularity').selectOption('quarter');
  await dialog.getByLabel('Periods shown').fill('6');
  await expect(dialog.getByText(/^A fixed range/)).toBeVisible();
  const put = page.waitForRequest((r) => r.method() === 'PUT' && r.url().includes('/widgets/'));
  await dialog.getByRole('button', { name: 'Save' }).click();
  const q = (await put).postDataJSON().query_params;
  expect(q.granularity).toBe('quarter');
  expect(q.from).toMatch(/^\d{4}-Q[1-4]$/);
  expect(q.to).toMatch(/^\d{4}-Q[1-4]$/);
  await expect(dialog).toBeHidden();
  // Opened again, it shows the same granularity and number of periods.
  await chart.getByRole('button', { name: /^Edit / }).click();
  dialog = page.getByRole('dialog');
  await expect(dialog.getByLabel('Granularity')).toHaveValue('quarter');
  await expect(dialog.getByLabel('Periods shown')).toHaveValue('6');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // A number's period: the current month (moving) or a fixed one chosen with the picker.
  await page.locator('section[aria-label="Employees"]').getByRole('button', { name: /^Edit / }).click();
  dialog = page.getByRole('dialog');
  await expect(dialog.getByLabel('Period', { exact: true })).toHaveValue('current');
  await dialog.getByLabel('Period', { exact: true }).selectOption('fixed');
  await dialog.getByRole('button', { name: 'Quarter' }).click();
  await dialog.getByRole('button', { name: 'Previous period' }).click();
  await expect(dialog.getByText(/^Fixed: it shows Q[1-4] \d{4}/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // A widget deleted at the top leaves a hole; a new number of the same size goes there.
  const gone = (await api<Dashboard>(`/dashboards/${org}`, state().tokens.admin)).widgets.length;
  expect(gone).toBeGreaterThan(0);
  const profit = page.locator('section[aria-label="Net profit this month"]');
  await profit.getByRole('button', { name: 'Delete Net profit this month' }).click();
  await page.getByRole('dialog').locator('[data-action="confirm-delete"]').click();
  await expect(profit).toHaveCount(0);
  await page.getByRole('button', { name: 'Add widget' }).click();
  dialog = page.getByRole('dialog');
  await dialog.getByLabel('Source').selectOption('finance');
  await dialog.getByLabel('Metric').selectOption('invoices_paid');
  const post = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/dashboards/${org}/widgets`));
  await dialog.getByRole('button', { name: 'Add widget' }).click();
  expect((await post).postDataJSON().grid).toEqual({ x: 3, y: 0, w: 3, h: 2 });
  await expect(dialog).toBeHidden();

  // The server's field errors show beside the field they name.
  await page.route(`**/dashboards/${org}/widgets`, (route) => route.fulfill({
    status: 400, contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title: 'Bad request', status: 400, detail: 'query_params.metric: not today',
      errors: [{ field: 'query_params.metric', message: 'not today' }] }),
  }));
  await page.getByRole('button', { name: 'Add widget' }).click();
  dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Add widget' }).click();
  const metric = dialog.getByLabel('Metric');
  await expect(metric).toHaveAttribute('aria-invalid', 'true');
  const described = await metric.getAttribute('aria-describedby');
  await expect(dialog.locator(`[id="${described}"]`)).toHaveText('not today');
  await expect(dialog.getByRole('alert')).toContainText('See the marked fields');
});

test('a page whose code is gone reloads once, then shows an error screen with Reload', async ({ page }) => {
  await signIn(page, mint(freshSub('chunk'), 'admin'), `/o/${org}`);
  await page.route(/\/assets\/ReportsPage-[^/]+\.js$/, (route) => route.abort());
  let loads = 0;
  page.on('load', () => { loads++; });
  await page.getByRole('navigation').getByRole('link', { name: 'Reports' }).click();
  await expect(page.getByRole('heading', { name: 'This page could not be loaded' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Reload' })).toBeVisible();
  await expect.poll(() => loads).toBe(1);
  expect(await page.evaluate(() => sessionStorage.getItem('readside.chunk-reload'))).toMatch(/^\d+$/);
  await page.unroute(/\/assets\/ReportsPage-[^/]+\.js$/);
  await page.getByRole('button', { name: 'Reload' }).click();
  await expect(page.locator('main h1').first()).toBeVisible();
  await expect(page.getByRole('heading', { name: 'This page could not be loaded' })).toHaveCount(0);
});

test('a dropped live connection shows it reconnects, comes back by itself and stays live', async ({ page }) => {
  const problems = watchProblems(page);
  const routes: WebSocketRoute[] = [];
  // Between the page and readside, so that the test can drop the connection as a network would.
  await page.routeWebSocket(/\/dashboards\/live\//, (ws) => {
    routes.push(ws);
    ws.connectToServer();
  });
  const token = mint(freshSub('reconnect'), 'admin');
  await signIn(page, token, `/o/${org}`);
  await waitLive(page);
  expect(routes).toHaveLength(1);

  await routes[0].close({ code: 1011, reason: 'dropped by the test' });
  const badge = page.locator('[data-live-state]').first();
  await expect(badge).toHaveAttribute('data-live-state', 'reconnecting');
  // The first retry comes after 0.5–1 s: the badge says so meanwhile (read at once).
  await expect(badge).toHaveText(/^Reconnecting in 1 sReconnecting…$/);
  await expect(badge).toHaveAttribute('data-live-state', 'live', { timeout: 5_000 });
  expect(routes).toHaveLength(2);

  // The new connection carries the subscriptions again: an event moves a number.
  const tile = page.locator('[data-widget-id="executive-1"] [data-metric="finance.total_revenue"]');
  const before = Number(await tile.getAttribute('data-value'));
  await postInvoice(org, 10.25, 'reconnect');
  await expect(tile).toHaveAttribute('data-value', String(Math.round((before + 10.25) * 10000) / 10000));
  expect(problems).toEqual([]);
});

test('while live updates are down, the widgets are fetched again at their refresh interval', async ({ page }) => {
  // Every live connection is refused, as a proxy that drops WebSockets would.
  await page.routeWebSocket(/\/dashboards\/live\//, (ws) => { void ws.close({ code: 1011, reason: 'refused by the test' }); });
  const token = mint(freshSub('poll'), 'admin');
  const w = await api<{ widget_id: string }>(`/dashboards/${org}/widgets`, token, { method: 'POST', body: JSON.stringify({
    widget_type: 'metric', title: 'Revenue, polled (e2e)', data_source: 'finance',
    query_params: { metric: 'total_revenue' }, refresh_interval: 5 }) });
  await signIn(page, token, `/o/${org}`);
  const badge = page.locator('[data-live-state]').first();
  await expect(badge).not.toHaveAttribute('data-live-state', 'live');
  const tile = page.locator(`[data-widget-id="${w.widget_id}"] [data-metric="finance.total_revenue"]`);
  await expect(tile).toHaveAttribute('data-value', /^-?\d/);
  const before = Number(await tile.getAttribute('data-value'));
  await postInvoice(org, 7.5, 'poll');
  // No push can come: the number moves by the next fetch, within the widget's 5 s and a margin.
  await expect(tile).toHaveAttribute('data-value', String(Math.round((before + 7.5) * 10000) / 10000), { timeout: 15_000 });
  await expect(badge).not.toHaveAttribute('data-live-state', 'live');
});

test('charts draw once in view: the first screen’s at once, one far below only when scrolled to', async ({ page }) => {
  const problems = watchProblems(page);
  await page.setViewportSize({ width: 1280, height: 700 });
  await signIn(page, mint(freshSub('charts'), 'admin'), `/o/${org}/analytics/crm`);
  const charts = page.locator('[data-series]');
  await expect(charts.first()).toBeInViewport();
  await expect(charts.first().locator('svg')).toBeVisible();
  const last = charts.last();
  await expect(last).not.toBeInViewport();
  await page.waitForTimeout(500);  // ECharts is loaded (the first chart drew): the last still waits
  await expect(last.locator('svg')).toHaveCount(0);
  await last.scrollIntoViewIfNeeded();
  await expect(last.locator('svg')).toBeVisible();
  expect(problems).toEqual([]);
});

test('an operator’s token (every tenant) opens the operations page with the dead letters', async ({ page }) => {
  const problems = watchProblems(page);
  const operator = execFileSync(state().bin, ['token', '--secret-file', state().secret, '--org', '*', '--roles', 'admin',
    '--sub', freshSub('operator'), '--ttl', '1h'], { encoding: 'utf8' }).trim();
  await signIn(page, operator, `/o/${org}/operations`);
  const dead = page.locator('section[aria-labelledby="ops-dead"]');
  await expect(dead.getByText(/Every tenant's, oldest first/)).toBeVisible();
  await expect(dead.getByText(/operator's token/)).toHaveCount(0);
  await expect(page.locator('section[aria-labelledby="ops-positions"]')).toBeVisible();
  expect(problems).toEqual([]);
});

test('a widget moves and resizes by keyboard alone through its dialog, and stays so after a reload', async ({ page }) => {
  const problems = watchProblems(page);
  const token = mint(freshSub('keyboard'), 'admin');
  await signIn(page, token, `/o/${org}`);
  const before = (await api<Dashboard>(`/dashboards/${org}`, token)).widgets;
  const employees = before.find((w) => w.title === 'Employees')!;
  const left = before.find((w) => w.grid.x === 0 && w.widget_id !== employees.widget_id)!;
  expect(employees.grid.x).not.toBe(0);
  // To the first column below every other widget (widgets may not overlap: the server refuses
  // that with 422), three columns wider and a row taller.
  const bottom = Math.max(...before.map((w) => w.grid.y + w.grid.h));
  const want = { x: 0, w: employees.grid.w + 3, h: employees.grid.h + 1 };

  // Tab to the widget's Edit button, open the dialog with Enter.
  const edit = page.getByRole('button', { name: 'Edit Employees' });
  await page.locator('body').focus();
  for (let i = 0; i < 80 && !(await edit.evaluate((e) => e === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(edit).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();

  // Tab from field to field: Column and Width typed, Height one step up with the arrow key.
  const tabTo = async (label: string) => {
    const field = dialog.getByLabel(label, { exact: true });
    for (let i = 0; i < 40 && !(await field.evaluate((e) => e === document.activeElement)); i++) await page.keyboard.press('Tab');
    await expect(field).toBeFocused();
  };
  await tabTo('Column');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(String(want.x));
  await tabTo('Row');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(String(bottom));
  await tabTo('Width');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(String(want.w));
  await tabTo('Height');
  await page.keyboard.press('ArrowUp');
  await expect(dialog.getByLabel('Height', { exact: true })).toHaveValue(String(want.h));
  const saved = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes('/widgets/'));
  const save = dialog.getByRole('button', { name: 'Save' });
  for (let i = 0; i < 10 && !(await save.evaluate((e) => e === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(save).toBeFocused();
  await page.keyboard.press('Enter');
  expect((await saved).status()).toBe(200);
  await expect(dialog).toBeHidden();

  const check = async () => {
    const grid = (await api<Dashboard>(`/dashboards/${org}`, token)).widgets.find((w) => w.title === 'Employees')!.grid;
    expect({ x: grid.x, w: grid.w, h: grid.h }).toEqual(want);
    const box = (await page.locator('section[aria-label="Employees"]').boundingBox())!;
    const other = (await page.locator(`[data-widget-id="${left.widget_id}"]`).boundingBox())!;
    expect(Math.abs(box.x - other.x)).toBeLessThan(2);  // in the first column
    // As wide and as tall as its columns and rows make it, measured against the other widget
    // (within the gaps between grid cells).
    expect(box.width / (other.width * want.w / left.grid.w)).toBeGreaterThan(0.9);
    expect(box.width / (other.width * want.w / left.grid.w)).toBeLessThan(1.1);
    expect(box.height / (other.height * want.h / left.grid.h)).toBeGreaterThan(0.85);
    expect(box.height / (other.height * want.h / left.grid.h)).toBeLessThan(1.15);
  };
  await expect(check).toPass();
  await page.reload();
  await expect(page.locator('section[aria-label="Employees"]')).toBeVisible();
  await expect(check).toPass();
  // The dialog shows the new place and size too.
  await page.getByRole('button', { name: 'Edit Employees' }).click();
  await expect(dialog.getByLabel('Column', { exact: true })).toHaveValue(String(want.x));
  await expect(dialog.getByLabel('Width', { exact: true })).toHaveValue(String(want.w));
  await expect(dialog.getByLabel('Height', { exact: true })).toHaveValue(String(want.h));
  expect(problems).toEqual([]);
});
