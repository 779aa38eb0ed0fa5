// The end-to-end checks, each against the real server started by global-setup.ts.
import { expect, test, type Page } from '@playwright/test';
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

test('the navigation marks the page one is on, also at an address ending in a slash', async ({ page }) => {
  await signIn(page);
  const nav = page.getByRole('navigation');
  for (const [path, name] of [['', 'Dashboard'], ['/', 'Dashboard'], ['/reports/', 'Reports'],
    ['/analytics/finance/?period=2026-01', 'Finance']]) {
    await page.goto(`${state().base}/o/${org}${path}`);
    await expect(page.locator('main h1').first()).toBeVisible();
    await expect(nav.getByRole('link', { name, exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(nav.locator('[aria-current="page"]')).toHaveCount(1);
    // One address per page: the slash is dropped, the query kept.
    const url = new URL(page.url());
    expect(url.pathname + url.search).toBe(`/o/${org}${path.replace(/\/(?=\?|$)/, '')}`);
  }
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

/**
 * Checks every testing hook of the dashboard `dashboard` (as the API answered it) on the page:
 * a number widget's value and period; each entry of a breakdown, `<domain>.<metric>.<key>`, once
 * in its widget (a table's or list's cell, a donut's legend, a bar chart's hidden table); each
 * period of a series (a table's row, a line or bar chart's hidden table) against the API's
 * value for that period.
 */
async function expectDashboardHooks(page: Page, dashboard: Dashboard) {
  await expect(page.locator('[data-widget-id]')).toHaveCount(dashboard.widgets.length);
  for (const w of dashboard.widgets) {
    const d = w.cached_data as { period?: string; value?: number | null; rows?: { key?: string; value?: number | null }[];
      points?: { period: string; value: number | null }[] } | null;
    if (!d) continue;
    const widget = page.locator(`[data-widget-id="${w.widget_id}"]`);
    const metric = `${w.data_source}.${w.query_params.metric}`;
    if ('value' in d) {
      const tile = widget.locator(`[data-metric="${metric}"]`);
      await expect(tile).toHaveAttribute('data-value', d.value === null || d.value === undefined ? '' : String(d.value));
      await expect(tile).not.toHaveText('');
      await expect(widget.locator(`[data-period="${d.period}"]`)).toHaveCount(1);
    }
    // Map entries: <domain>.<metric>.<key>, one element each in the widget (strict locator).
    for (const row of d.rows ?? []) {
      if (row.key === undefined) continue;
      await expect(widget.locator(`[data-metric="${metric}.${row.key}"]`), `${w.widget_id} ${row.key}`)
        .toHaveAttribute('data-value', row.value === null || row.value === undefined ? '' : String(row.value));
    }
    // Series: every period shown is the API's value for it (a chart's table starts where its
    // data does, as its line does).
    if (d.points) {
      const want = new Map(d.points.map((p) => [p.period, p.value === null ? '' : String(p.value)]));
      const shown = await widget.locator(`tr[data-period] [data-metric="${metric}"]`).evaluateAll((els) =>
        els.map((e) => [e.closest('tr')!.getAttribute('data-period')!, e.getAttribute('data-value')] as const));
      if (d.points.some((p) => p.value !== null && p.value !== 0)) expect(shown.length, w.widget_id).toBeGreaterThan(0);
      for (const [period, value] of shown) expect(value, `${w.widget_id} ${period}`).toBe(want.get(period));
    }
  }
}

test('every data-metric on the dashboard shows the API value', async ({ page }) => {
  await signIn(page);
  const dashboard = await api<Dashboard>(`/dashboards/${org}`);
  await expect(page.locator('[data-widget-id]')).toHaveCount(dashboard.widgets.length);
  const tiles = page.locator('[data-metric]');
  expect(await tiles.count()).toBeGreaterThan(5);
  await expectDashboardHooks(page, dashboard);
  await expect(page.locator('[data-series]').first()).toBeVisible();
});

test('a money tile and a count tile show their data-value in the page’s locale and the tenant’s currency', async ({ browser }) => {
  // A widget's number as src/format/number.ts writes it (not compact): money in the currency's
  // own digits, a count without decimals; formatted here by the browser's Intl from data-value.
  // beta-inc (EUR) is read in a German browser, acme-corp (USD) in the default one. The money
  // tile is Receivables, what is owed at the moment, which is not 0 on the first day of a month
  // as "Revenue this month" may be.
  for (const [o, locale] of [[org, undefined], ['beta-inc', 'de-DE']] as const) {
    const context = await browser.newContext({ locale });
    try {
      const page = await context.newPage();
      await signIn(page, state().tokens.admin, `/o/${o}`);
      const { currency } = await api<{ currency: string }>(`/tenants/${o}/settings`);
      const pageLocale = await page.evaluate(() => navigator.language);
      if (locale) expect(pageLocale).toBe(locale);
      const tiles: [string, Intl.NumberFormatOptions][] = [
        ['finance.accounts_receivable', { style: 'currency', currency }],
        ['hrm.total_employees', { maximumFractionDigits: 0 }],
      ];
      for (const [metric, options] of tiles) {
        const tile = page.locator(`[data-widget-id] .big-number[data-metric="${metric}"]`).first();
        await expect(tile).toHaveAttribute('data-value', /^-?\d/);
        const got = await tile.evaluate((e, [loc, opts]) => {
          const value = e.getAttribute('data-value')!;
          return { value, text: e.textContent, want: new Intl.NumberFormat(loc, opts).format(Number(value)) };
        }, [pageLocale, options] as const);
        expect(Number(got.value), `${o} ${metric}: a value other than 0`).not.toBe(0);
        expect(got.text, `${o} ${metric} = ${got.value} in ${pageLocale}, ${currency}`).toBe(got.want);
      }
    } finally {
      await context.close();
    }
  }
});

test('a dashboard’s donut and bar breakdown carry each entry’s value once, in the legend or a hidden table', async ({ page }) => {
  const token = mint('admin', `e2e-breakdowns-${Date.now()}`);
  const made: Record<string, string> = {};
  for (const chart_type of ['donut', 'bar']) {
    const w = await api<{ widget_id: string }>(`/dashboards/${org}/widgets`, token, { method: 'POST', body: JSON.stringify({
      widget_type: 'chart', title: `Stages, ${chart_type} (e2e)`, data_source: 'crm',
      query_params: { metric: 'pipeline_stages' }, chart_type }) });
    made[chart_type] = w.widget_id;
  }
  // The caller's own dashboard, with the two widgets' data.
  let dashboard!: Dashboard;
  await expect.poll(async () => {
    dashboard = await api<Dashboard>(`/dashboards/${org}`, token);
    return Object.values(made).filter((id) => {
      const d = dashboard.widgets.find((w) => w.widget_id === id)?.cached_data as { rows?: unknown[] } | null | undefined;
      return (d?.rows?.length ?? 0) > 0;
    }).length;
  }).toBe(2);
  await signIn(page, token);
  await expectDashboardHooks(page, dashboard);
  const rows = (dashboard.widgets.find((w) => w.widget_id === made.donut)!.cached_data as { rows: unknown[] }).rows;
  const donut = page.locator(`[data-widget-id="${made.donut}"]`);
  await expect(donut.locator('.chart-legend [data-metric^="crm.pipeline_stages."]')).toHaveCount(rows.length);
  await expect(donut.locator('[data-metric^="crm.pipeline_stages."]')).toHaveCount(rows.length);
  const bars = page.locator(`[data-widget-id="${made.bar}"]`);
  await expect(bars.locator('.visually-hidden [data-metric^="crm.pipeline_stages."]')).toHaveCount(rows.length);
  await expect(bars.locator('[data-metric^="crm.pipeline_stages."]')).toHaveCount(rows.length);
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
    const period = (await root.getAttribute('data-period'))!;
    const body = await api<Record<string, unknown>>(`/analytics/${route}/beta-inc?period=${period}`);
    const tiles = page.locator(`[data-metric^="${domain}."]`);
    await expect(tiles.first()).toBeVisible();
    // The trends have loaded (their tables hold the series' values).
    await expect(page.locator('.chart-skeleton')).toHaveCount(0);
    const shown = await tiles.evaluateAll((els) => els.map((e) => {
      const trend = e.closest('[data-trend]');
      return { name: e.getAttribute('data-metric')!, value: e.getAttribute('data-value'),
        trend: trend?.getAttribute('data-trend') ?? null, granularity: trend?.getAttribute('data-granularity') ?? null,
        period: e.closest('[data-period]')?.getAttribute('data-period') ?? null };
    }));
    // The period's numbers (KPIs, All numbers, breakdowns): the section's body. A breakdown's
    // entry shows twice, in a donut's legend and in its table, each with the API's value.
    for (const t of shown.filter((x) => x.trend === null)) {
      const [, metric, key] = t.name.split('.');
      let want = body[metric];
      if (key !== undefined) {
        want = Array.isArray(want)
          ? (want as { user_id: string; won_value: number }[]).find((r) => r.user_id === key)?.won_value
          : (want as Record<string, unknown>)[key];
      }
      expect(t.value, `${domain}.${metric}${key ? '.' + key : ''}`).toBe(want === null || want === undefined ? '' : String(want));
    }
    // A trend's table: a row per period (data-period), each the value of the series the page
    // asked for (the 12 months up to the page's month), up to the page's period.
    const trends = new Map<string, typeof shown>();
    for (const t of shown.filter((x) => x.trend !== null)) trends.set(t.trend!, [...(trends.get(t.trend!) ?? []), t]);
    expect(trends.size, domain).toBeGreaterThan(0);
    const [y, m] = period.split('-').map(Number);
    const first = new Date(Date.UTC(y, m - 1 - 11, 15));
    const from = `${first.getUTCFullYear()}-${String(first.getUTCMonth() + 1).padStart(2, '0')}`;
    for (const [series, rows] of trends) {
      const [, metric] = series.split('.');
      const periods = rows.map((r) => r.period!);
      expect(rows[0].granularity, series).toBe('month');
      expect(periods[periods.length - 1], series).toBe(period);
      const { points } = await api<{ points: { period: string; value: number | null }[] }>(
        `/analytics/series/beta-inc?domain=${domain}&metric=${metric}&granularity=month&from=${from}&to=${period}`);
      for (const r of rows) {
        expect(r.name, series).toBe(series);
        const want = points.find((p) => p.period === r.period)?.value;
        expect(r.value, `${series} ${r.period}`).toBe(want === null || want === undefined ? '' : String(want));
      }
    }
  }
  // beta-inc is set to EUR: money shows in euros.
  await page.goto(`${state().base}/o/beta-inc/analytics/finance`);
  await expect(page.locator('[data-metric="finance.total_revenue"]').first()).toContainText('€');
});

/** The Analytics API's body of each domain for a period (api.md "Analytics"; the app's kSectionRoutes). */
const kAnalyticsRoutes: Record<string, string> = {
  crm: 'crm/pipeline', hrm: 'hrm/headcount', finance: 'finance/revenue', inventory: 'inventory/turnover',
  projects: 'projects/utilization', cross: 'cross',
};

/** The month before the current one (UTC): a whole month, with data in both tenants. */
function lastMonth(): string {
  const d = new Date();
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 15));
  return `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
}

test('a report preview’s KPIs that are metrics show the Analytics API’s value of that metric and period', async ({ page }) => {
  // The metric of a KPI comes from a table keyed by its English label (src/pages/reports/format.ts):
  // each one shown is checked against the API's value of the metric it names, so a label mapped
  // to the wrong metric fails. The least count of KPIs with a metric catches a label the table
  // no longer knows (P&L: revenue, COGS, gross profit, operating expenses, net profit; headcount:
  // employees, new hires, terminations; AR aging: total receivables).
  const period = lastMonth();
  const reports: [string, string, number][] = [['financial', 'pnl', 5], ['hr', 'headcount', 3], ['financial', 'ar_aging', 1]];
  await signIn(page);
  for (const o of [org, 'beta-inc']) {
    const bodies = new Map<string, Record<string, unknown>>();
    for (const [report, type, least] of reports) {
      const what = `${o} ${report}/${type} ${period}`;
      await page.goto(`${state().base}/o/${o}/reports?report=${report}&type=${type}&period=${period}`);
      const doc = page.locator(`.report-doc[data-org="${o}"][data-report="${report}.${type}"][data-period="${period}"]`);
      await expect(doc).toBeVisible();
      await expect(doc).not.toHaveClass(/is-updating/);
      const shown = await doc.locator('[data-metric]').evaluateAll((els) => els.map((e) => ({
        metric: e.getAttribute('data-metric')!, value: e.getAttribute('data-value'),
        label: e.closest('.report-kpi')?.querySelector('.report-kpi-label')?.textContent ?? '?' })));
      expect(shown.length, `KPIs with a metric in ${what}`).toBeGreaterThanOrEqual(least);
      for (const t of shown) {
        const [domain, metric] = t.metric.split('.');
        expect(kAnalyticsRoutes[domain], `${what}: “${t.label}” → ${t.metric}`).toBeDefined();
        if (!bodies.has(domain)) bodies.set(domain, await api(`/analytics/${kAnalyticsRoutes[domain]}/${o}?period=${period}`));
        const want = bodies.get(domain)![metric];
        expect(typeof want, `${what}: “${t.label}” → ${t.metric} is a number of the API`).toBe('number');
        expect(t.value, `${what}: “${t.label}” → ${t.metric}`).toBe(String(want));
      }
    }
  }
});

test('a previous period that cannot be loaded shows a dash that says why, not … forever', async ({ page }) => {
  const d = new Date();
  const month = (back: number) => {
    const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 15));
    return `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
  };
  const [period, prev] = [month(1), month(2)];
  await page.route((url) => url.pathname === `/analytics/finance/revenue/${org}` && url.searchParams.get('period') === prev,
    (route) => route.fulfill({ status: 503, contentType: 'application/problem+json',
      body: JSON.stringify({ title: 'Service Unavailable', detail: 'e2e: the previous period fails' }) }));
  await signIn(page, state().tokens.admin, `/o/${org}/analytics/finance?period=${period}`);
  await expect(page.locator(`[data-period="${period}"] [data-metric^="finance."]`).first()).toBeVisible();
  // After the query's retries (5xx are retried twice).
  const failed = page.locator('[data-previous="failed"]');
  await expect(failed.first()).toBeVisible({ timeout: 20_000 });
  await expect(failed.first()).toHaveAttribute('title', 'the previous period could not be loaded');
  await expect(failed.first()).toContainText('—');
  await expect(page.locator('td.hide-narrow').filter({ hasText: '…' })).toHaveCount(0);
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
  // The dashboard as the server holds it, drawn in full before the dialog adds to it (the grid
  // follows the header in a transition, so the page's first count may be short).
  const count = (await api<Dashboard>(`/dashboards/${org}`)).widgets.length;
  await expect(page.locator('[data-widget-id]')).toHaveCount(count);
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

test('the XLSX and CSV exports download as such', async ({ page }) => {
  await signIn(page, state().tokens.admin, `/o/${org}/reports`);
  let download = page.waitForEvent('download');
  await page.locator('[data-export="xlsx"]').first().click();
  const xlsx = readFileSync(await (await download).path());
  expect(xlsx.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');  // a ZIP, as XLSX is
  expect(xlsx.includes('xl/workbook.xml')).toBe(true);
  download = page.waitForEvent('download');
  await page.locator('[data-export="csv"]').first().click();
  const d = await download;
  expect(d.suggestedFilename()).toMatch(/\.csv$/);
  const csv = readFileSync(await d.path(), 'utf8');
  expect(csv.split('\n').length).toBeGreaterThan(2);
  expect(csv.split('\n')[0]).toContain(',');
});

test('a schedule is made in its dialog, listed, and deleted', async ({ page }) => {
  const problems = watchProblems(page);
  await signIn(page, state().tokens.admin, `/o/${org}/reports`);
  await page.locator('[data-action="new-schedule"]').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  // An address longer than 13rem, which the recipients' cell has room for (at 1440 px).
  const address = 'e2e-receivables-office@example.com';
  await dialog.getByLabel('Recipients').fill(`e2e-cfo@example.com\n${address}`);
  const created = page.waitForResponse((r) => r.url().endsWith('/reports/schedule') && r.request().method() === 'POST');
  await dialog.getByRole('button', { name: 'Create schedule' }).click();
  expect((await created).status()).toBeLessThan(300);
  const { id } = (await (await created).json()) as { id: string };
  await expect(dialog).toBeHidden();
  const row = page.locator(`[data-schedule-id="${id}"]`);
  await expect(row).toContainText('e2e-cfo@example.com');
  // Each address on its own line, whole (not cut with … though its cell has room), and the table
  // still fits its card (no sideways scroll).
  const recipient = row.locator('.recipient', { hasText: address });
  await expect(recipient).toHaveText(address);
  expect(await recipient.evaluate((e) => e.scrollWidth - e.clientWidth), `${address} is cut`).toBeLessThanOrEqual(0);
  expect(await page.locator('.schedules-table').evaluate((t) => t.closest('.table-wrap')!.scrollWidth
    - t.closest('.table-wrap')!.clientWidth)).toBeLessThanOrEqual(0);
  const ids = async () => (await api<{ schedules: { id: string }[] }>(`/reports/scheduled/${org}`)).schedules.map((s) => s.id);
  expect(await ids()).toContain(id);

  await row.locator('[data-action="delete-schedule"]').click();
  const deleted = page.waitForResponse((r) => r.url().endsWith(`/reports/scheduled/${id}`) && r.request().method() === 'DELETE');
  await page.getByRole('dialog').locator('[data-action="confirm-delete"]').click();
  expect((await deleted).status()).toBe(204);
  await expect(row).toHaveCount(0);
  expect(await ids()).not.toContain(id);
  expect(problems).toEqual([]);
});

test('a scheduled run’s file downloads from the history as it was attached', async ({ page }) => {
  test.setTimeout(150_000);
  // Every minute: the first run is due within 60 s. Without an SMTP server the run fails to
  // send, but its file is made first and kept, as it would have been attached.
  const schedule = await api<{ id: string }>('/reports/schedule', state().tokens.admin, { method: 'POST', body: JSON.stringify({
    organization_id: org, report: 'financial', type: 'pnl', period: 'previous_month', format: 'csv',
    cron: '* * * * *', recipients: ['e2e-history@example.com'] }) });
  try {
    interface Run { id: string; schedule_id: string; file: string | null }
    let run: Run | undefined;
    await expect.poll(async () => {
      const { runs } = await api<{ runs: Run[] }>(`/reports/history/${org}?schedule_id=${schedule.id}`);
      run = runs.find((r) => r.file);
      return run !== undefined;
    }, { timeout: 90_000, intervals: [2_000] }).toBe(true);
    const want = Buffer.from(await (await fetch(`${state().base}${run!.file}`,
      { headers: { Authorization: `Bearer ${state().tokens.admin}` } })).arrayBuffer());
    expect(want.length).toBeGreaterThan(0);

    const problems = watchProblems(page);
    await signIn(page, state().tokens.admin, `/o/${org}/reports`);
    const button = page.locator(`[data-download-run="${run!.id}"]`);
    await expect(button).toBeVisible();
    const download = page.waitForEvent('download');
    await button.click();
    const got = readFileSync(await (await download).path());
    expect(got.equals(want)).toBe(true);
    expect((await download).suggestedFilename()).toMatch(/\.csv$/);
    expect(problems).toEqual([]);
  } finally {
    await fetch(`${state().base}/reports/scheduled/${schedule.id}`,
      { method: 'DELETE', headers: { Authorization: `Bearer ${state().tokens.admin}` } });
  }
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

for (const width of [1440, 360]) {
  test(`no console errors and no failed requests on any page, ${width} px wide`, async ({ page }) => {
    await page.setViewportSize({ width, height: width > 800 ? 900 : 780 });
    const problems = watchProblems(page);
    // The sign-in page, signed out (where an address of the app leads without a token) and then
    // signed in (it offers to go on with the session).
    const noSideways = async (what: string) => {
      await expect(page.locator('main h1').first()).toBeVisible();
      await page.waitForLoadState('networkidle');
      // Nothing wider than the screen: no sideways scrolling of the page.
      expect(await page.evaluate(() => document.documentElement.scrollWidth), what).toBeLessThanOrEqual(width);
    };
    await page.goto(`${state().base}/o/${org}`);
    await expect(page).toHaveURL(/\/signin$/);
    await noSideways('/signin, signed out');
    await signIn(page);
    await waitLive(page);
    const pages = ['analytics/crm', 'analytics/hrm', 'analytics/finance', 'analytics/inventory', 'analytics/projects',
      'analytics/cross', 'reports', 'search?q=a', 'operations', '', '/signin'];
    for (const p of pages) {
      await page.goto(p.startsWith('/') ? `${state().base}${p}` : `${state().base}/o/${org}/${p}`);
      await noSideways(p.startsWith('/') ? p : `/o/${org}/${p}`);
    }
    expect(problems).toEqual([]);
  });
}

test('every widget says how fresh its data is', async ({ page }) => {
  await signIn(page);
  const widgets = page.locator('[data-widget-id]');
  await expect(widgets.first()).toBeVisible();
  const n = await widgets.count();
  expect(n).toBeGreaterThan(5);
  for (let i = 0; i < n; i++) {
    await expect(widgets.nth(i).locator('[data-freshness]'), `widget ${await widgets.nth(i).getAttribute('data-widget-id')}`)
      .toHaveText(/^as of /);
  }
});

test('a token that expires during the session returns to sign-in with the reason', async ({ page }) => {
  const short = execFileSync(state().bin, ['token', '--secret-file', state().secret, '--org', org, '--roles', 'admin',
    '--sub', 'e2e-short', '--ttl', '4'], { encoding: 'utf8' }).trim();
  await signIn(page, short);
  await expect(page).toHaveURL(new RegExp(`/o/${org}$`));
  await expect(page.locator('[data-widget-id]').first()).toBeVisible();
  // No reload, no click: the token's expiry alone ends the session.
  await expect(page).toHaveURL(/\/signin$/, { timeout: 10_000 });
  await expect(page.getByRole('status').or(page.getByRole('alert')).first()).toContainText(/expired/i);
  expect(await page.evaluate(() => sessionStorage.getItem('readside.token'))).toBeNull();
});

test('the tenant switcher opens the same page and period of the other tenant, in its currency', async ({ page }) => {
  const problems = watchProblems(page);
  const d = new Date();
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 15));
  const period = `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;  // last month: data in both tenants
  await signIn(page, state().tokens.admin, `/o/${org}/analytics/finance?period=${period}`);
  await expect(page.locator(`[data-org="acme-corp"][data-period="${period}"]`).first()).toBeVisible();
  await expect(page.locator('[data-metric="finance.total_revenue"]').first()).toContainText('$');
  await page.getByLabel('Organization').selectOption('beta-inc');
  await expect(page).toHaveURL(new RegExp(`/o/beta-inc/analytics/finance\\?period=${period}$`));
  await expect(page.locator('main h1').first()).toHaveText('Finance');
  await expect(page.locator(`[data-org="beta-inc"][data-period="${period}"]`).first()).toBeVisible();
  await expect(page.locator('[data-metric="finance.total_revenue"]').first()).toContainText('€');
  const body = await api<{ total_revenue: number }>(`/analytics/finance/revenue/beta-inc?period=${period}`);
  await expect(page.locator('[data-metric="finance.total_revenue"]').first()).toHaveAttribute('data-value', String(body.total_revenue));
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Finance', exact: true })).toHaveAttribute('aria-current', 'page');
  expect(problems).toEqual([]);
});

/**
 * Marks with data-kb what the keyboard must reach inside `root` (the page, or an open dialog):
 * every visible focusable control. Answers how many, and the controls that a mouse can use and
 * the keyboard cannot: visible elements that take a click (a React onClick, onMouseDown or
 * onPointerDown handler, an onclick attribute, the role of a control, or a pointer cursor of
 * their own) but are neither focusable nor part of something focusable (a button's icon, the
 * label of a field), nor a container of focusable controls whose clicks they handle (the
 * navigation closes the phone menu on a link's click). Exceptions, each with the keyboard's way
 * to do the same: `kKeyboardAlternatives`.
 */
async function markControls(page: Page, root: string) {
  return page.evaluate(({ root, alternatives }) => {
    const scope = document.querySelector(root)!;
    const focusable = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), '
      + 'textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
    const visible = (e: Element) => {
      const r = (e as HTMLElement).getBoundingClientRect();
      const s = getComputedStyle(e);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !(e as HTMLElement).closest('[hidden], [inert]');
    };
    document.querySelectorAll('[data-kb]').forEach((e) => e.removeAttribute('data-kb'));
    const all = [...scope.querySelectorAll(focusable)].filter(visible);
    all.forEach((e, i) => e.setAttribute('data-kb', String(i)));

    const handlers = ['onClick', 'onMouseDown', 'onMouseUp', 'onPointerDown', 'onPointerUp', 'onDoubleClick'];
    const reactProps = (e: Element): Record<string, unknown> | null => {
      const key = Object.keys(e).find((k) => k.startsWith('__reactProps$'));
      return key ? (e as unknown as Record<string, Record<string, unknown>>)[key] : null;
    };
    const takesClick = (e: Element) => {
      if (e.matches(':disabled, [aria-disabled="true"]')) return false;  // a mouse cannot use it either
      const props = reactProps(e);
      if (props && handlers.some((h) => typeof props[h] === 'function')) return true;
      if (e.hasAttribute('onclick')) return true;
      if (/^(button|link|tab|menuitem|checkbox|radio|switch|option)$/.test(e.getAttribute('role') ?? '')) return true;
      const cursor = getComputedStyle(e).cursor;
      return cursor === 'pointer' && (!e.parentElement || getComputedStyle(e.parentElement).cursor !== 'pointer');
    };
    const partOfFocusable = (e: Element) => e.matches(focusable) || e.closest(focusable) !== null
      || (e instanceof HTMLLabelElement && e.control !== null && e.control.matches(focusable))
      || e.querySelector(focusable) !== null;
    const mouseOnly = [...scope.querySelectorAll('*')]
      .filter((e) => visible(e) && takesClick(e) && !partOfFocusable(e) && !alternatives.some((sel) => e.matches(sel)))
      .map((e) => e.outerHTML.slice(0, 160));
    return { count: all.length, mouseOnly };
  }, { root, alternatives: Object.keys(kKeyboardAlternatives) });
}

/** Mouse-only controls with a keyboard way to the same, tested elsewhere. */
const kKeyboardAlternatives: Record<string, string> = {
  // A widget's size: Width and Height in its dialog ('a widget moves and resizes by keyboard').
  '.react-resizable-handle': 'the widget dialog',
  // The phone menu's backdrop: Escape and the menu's Close button.
  '.backdrop': 'Escape',
};

/** Tabs from where the focus is until every element marked with data-kb has had the focus, or
 *  twice as many presses as there are; answers the ones never reached. */
async function tabThrough(page: Page, count: number): Promise<string[]> {
  const reached = new Set<string>();
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-kb') ?? null);
  if (focused !== null) reached.add(focused);  // a dialog focuses its first control
  for (let i = 0; i < count * 2 + 10 && reached.size < count; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.getAttribute('data-kb') ?? null);
    if (id !== null) reached.add(id);
  }
  return page.evaluate((seen) => [...document.querySelectorAll('[data-kb]')]
    .filter((e) => !seen.includes(e.getAttribute('data-kb')!))
    .map((e) => e.outerHTML.slice(0, 120)), [...reached]);
}

/** The page's dialogs, each by the button that opens it. */
const kDialogs: Record<string, (string | RegExp)[]> = {
  '': ['Add widget', 'Templates', 'Share', /^Edit /, /^Delete /],
  reports: ['Schedule this report'],
  operations: [`Rebuild ${org}`],
};

test('keyboard alone reaches every control, in every page and dialog, and nothing takes only a mouse', async ({ page }) => {
  await signIn(page);
  test.setTimeout(300_000);
  for (const p of ['', 'analytics/crm', 'analytics/hrm', 'analytics/finance', 'analytics/inventory', 'analytics/projects',
    'analytics/cross', 'reports', 'search?q=a', 'operations']) {
    await page.goto(`${state().base}/o/${org}/${p}`);
    await expect(page.locator('main h1').first()).toBeVisible();
    await page.waitForLoadState('networkidle');
    // Charts below the fold are drawn once seen: scroll through the page so that what they
    // hold (a donut's legend of buttons) is checked too.
    await page.evaluate(async () => {
      for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight / 2) {
        window.scrollTo(0, y);
        await new Promise((r) => setTimeout(r, 60));
      }
      window.scrollTo(0, 0);
    });
    await page.waitForLoadState('networkidle');
    await expect.poll(() => page.evaluate(() => [...document.querySelectorAll('[data-series]')]
      .every((c) => c.querySelector('svg')))).toBe(true);
    const { count, mouseOnly } = await markControls(page, 'body');
    expect(mouseOnly, `mouse-only controls on /${p}`).toEqual([]);
    expect(count).toBeGreaterThan(5);
    await page.locator('body').focus();
    expect(await tabThrough(page, count), `page /${p}`).toEqual([]);

    // Each dialog: opened by keyboard, every control in it reached by Tab, closed by Escape
    // with the focus back on its button.
    for (const name of kDialogs[p] ?? []) {
      const opener = page.getByRole('button', { name }).first();
      if (await opener.getAttribute('aria-disabled') === 'true') continue;  // Share on the organization's default
      await opener.focus();
      await page.keyboard.press('Enter');
      const dialog = page.locator('dialog[open]');
      await expect(dialog).toBeVisible();
      // Its content loaded (the templates, the catalog): more than the Close button.
      await expect.poll(async () => (await markControls(page, 'dialog[open]')).count).toBeGreaterThan(1);
      await page.waitForLoadState('networkidle');
      const inDialog = await markControls(page, 'dialog[open]');
      expect(inDialog.mouseOnly, `mouse-only controls in the dialog of ${name} on /${p}`).toEqual([]);
      expect(await tabThrough(page, inDialog.count), `dialog of ${name} on /${p}`).toEqual([]);
      await page.keyboard.press('Escape');
      await expect(dialog).toHaveCount(0);
      await expect(opener).toBeFocused();
    }
  }
});

test('the check for mouse-only controls finds them', async ({ page }) => {
  await signIn(page);
  await page.waitForLoadState('networkidle');
  expect((await markControls(page, 'body')).mouseOnly).toEqual([]);
  // What a careless change would make: a div that looks clickable, and links without an href,
  // whose React onClick (react-router's) a mouse reaches and the keyboard does not.
  await page.evaluate(() => {
    const d = document.createElement('div');
    d.textContent = 'Click me';
    d.className = 'mouse-only-probe';
    d.style.cursor = 'pointer';
    document.querySelector('main')!.append(d);
    document.querySelectorAll('nav a.nav-link').forEach((a) => a.removeAttribute('href'));
  });
  const { mouseOnly } = await markControls(page, 'body');
  expect(mouseOnly).toContainEqual(expect.stringContaining('mouse-only-probe'));
  expect(mouseOnly.filter((e) => e.includes('nav-link')).length).toBeGreaterThan(3);
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

test('on a phone the menu takes the focus, keeps Tab inside it, and Escape closes it onto the Menu button', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  try {
    const page = await context.newPage();
    const problems = watchProblems(page);
    await signIn(page);
    const menu = page.getByRole('button', { name: 'Menu', exact: true });
    const sidebar = page.locator('aside.sidebar');
    await expect(sidebar).toBeHidden();
    await menu.focus();
    await page.keyboard.press('Enter');
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
    await expect(sidebar).toBeVisible();
    // The focus is in the menu, on its first link; the page behind is inert.
    await expect(page.getByRole('navigation').getByRole('link', { name: 'Dashboard', exact: true })).toBeFocused();
    await expect(page.locator('.main-col')).toHaveAttribute('inert', '');

    // Which of the menu's controls has the focus (-1: something outside the menu).
    const focused = () => page.evaluate(() => [...document.querySelectorAll('aside.sidebar a[href], aside.sidebar button')]
      .indexOf(document.activeElement!));
    const controls = await sidebar.locator('a[href], button').count();
    expect(controls).toBeGreaterThan(5);
    const reached = new Set<number>();
    for (let i = 0; i < controls * 2 + 2; i++) {
      await page.keyboard.press('Tab');
      const at = await focused();
      expect(at, `Tab ${i + 1} left the menu`).toBeGreaterThanOrEqual(0);
      reached.add(at);
    }
    expect(reached.size).toBe(controls);  // round and round: every link, and the Close button
    for (let i = 0; i < controls + 1; i++) {
      await page.keyboard.press('Shift+Tab');
      expect(await focused(), `Shift+Tab ${i + 1} left the menu`).toBeGreaterThanOrEqual(0);
    }

    await page.keyboard.press('Escape');
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(sidebar).toBeHidden();
    await expect(menu).toBeFocused();
    await expect(page.locator('.main-col[inert]')).toHaveCount(0);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
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

test('a donut’s legend hides and shows a slice by keyboard', async ({ page }) => {
  // Last month, which is whole: the current month may be days old, its breakdowns a single entry
  // (a donut of one slice cannot show a slice hidden). The first donut with two entries or more.
  const d = new Date();
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 15));
  const period = `${last.getUTCFullYear()}-${String(last.getUTCMonth() + 1).padStart(2, '0')}`;
  await signIn(page, state().tokens.admin, `/o/${org}/analytics/crm?period=${period}`);
  await expect(page.locator(`[data-period="${period}"]`).first()).toBeVisible();
  const figure = page.locator('figure:has(.chart-legend li:nth-child(2))').first();
  await expect(figure, `a donut with two entries or more in ${period}`).toBeVisible();
  await figure.scrollIntoViewIfNeeded();
  const sectors = figure.locator('[data-series] svg path');
  await expect.poll(() => sectors.count()).toBeGreaterThan(1);
  const before = await sectors.count();
  const first = figure.locator('.chart-legend button').first();
  await expect(first).toHaveAttribute('aria-pressed', 'true');
  await first.focus();
  await page.keyboard.press('Space');
  await expect(first).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(() => sectors.count()).toBeLessThan(before);
  await page.keyboard.press('Enter');
  await expect(first).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => sectors.count()).toBe(before);
});

test('every data-quality tile of the operations page shows the dashboard API’s data_quality value', async ({ page }) => {
  // Simulated data leaves most counters at 0, where a tile showing another counter would pass:
  // events that make them differ first (events.md): unknown types, duplicates, a conflict,
  // money in another currency, orphans, rejections.
  const tag = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const timestamp = new Date().toISOString();
  const event = (type: string, id: string, entity: string, payload: Record<string, unknown>) => ({
    event_id: id, event_type: type, organization_id: org, timestamp, source_service: 'e2e-quality', version: '1.0',
    data: { entity_id: entity, entity_type: type.split('.')[1], action: type.split('.')[2], payload } });
  const unknown = (n: number, shine = n) => event('e2e.gadget.polished', `e2e-unknown-${tag}-${n}`, `gadget-${tag}-${n}`, { shine });
  const times = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));
  const batch = [
    unknown(1), unknown(2),                      // unknown_type +2
    ...times(3, () => unknown(1)),               // duplicates +3
    unknown(1, 99),                              // conflicts +1
    ...times(4, (i) => event('finance.invoice.created', `e2e-jpy-${tag}-${i}`, `inv-jpy-${tag}-${i}`,
      { customer_id: 'con-1', amount: 1000, due_date: timestamp.slice(0, 10), currency: 'JPY' })),  // currency_mismatch +4
    ...times(5, (i) => event('finance.invoice.sent', `e2e-orphan-${tag}-${i}`, `inv-never-${tag}-${i}`, {})),  // orphans +5
    ...times(6, (i) => event('finance.invoice.created', `e2e-bad-${tag}-${i}`, `inv-bad-${tag}-${i}`, { customer_id: 'con-1' })),  // rejected +6
  ];
  const posted = await fetch(`${state().base}/events`, { method: 'POST', body: JSON.stringify(batch),
    headers: { Authorization: `Bearer ${state().tokens.ingest}`, 'Content-Type': 'application/json' } });
  expect(posted.status, await posted.clone().text()).toBeLessThan(300);

  await signIn(page, state().tokens.admin, `/o/${org}/operations`);
  const tiles = page.locator('[data-metric^="data_quality."]');
  let want: Record<string, number> = {};
  // The page refreshes every 5 s: until a refresh shows what the API answers now.
  await expect(async () => {
    want = (await api<{ data_quality: Record<string, number> }>(`/analytics/dashboard/${org}`)).data_quality;
    const shown = await tiles.evaluateAll((els) => els.map((e) => [e.getAttribute('data-metric')!, e.getAttribute('data-value')] as const));
    expect(shown.map(([m]) => m).sort()).toEqual(Object.keys(want).map((k) => `data_quality.${k}`).sort());
    for (const [m, v] of shown) expect(v, m).toBe(String(want[m.slice('data_quality.'.length)]));
  }).toPass({ timeout: 20_000 });
  // The events above made the counters differ: a tile showing another one cannot have passed.
  const nonZero = Object.values(want).filter((v) => v !== 0);
  expect(nonZero.length, JSON.stringify(want)).toBeGreaterThanOrEqual(7);
  expect(new Set(nonZero).size, JSON.stringify(want)).toBe(nonZero.length);
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
