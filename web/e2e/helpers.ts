import { expect, type Page } from '@playwright/test';
import { state } from './state';

/** Collects what must never happen in normal use: console errors, failed requests, HTTP errors. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A WebSocket or fetch torn down by navigation is not a failure of the app.
    const err = r.failure()?.errorText ?? '';
    if (err.includes('ERR_ABORTED')) return;
    problems.push(`failed: ${r.method()} ${r.url()} ${err}`);
  });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`); });
  return problems;
}

export async function signIn(page: Page, token = state().tokens.admin, path = '/'): Promise<void> {
  await page.goto(`${state().base}${path}#token=${token}`);
  await expect(page.locator('main h1').first()).toBeVisible();
}

export async function api<T>(path: string, token = state().tokens.admin, init: RequestInit = {}): Promise<T> {
  const r = await fetch(`${state().base}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
  if (!r.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

export async function waitLive(page: Page): Promise<void> {
  await expect(page.locator('[data-live-state]').first()).toHaveAttribute('data-live-state', 'live');
}

/** Drags widget `from` by its title bar onto widget `to`; resolves to the saved layout's answer. */
export async function dragOnto(page: Page, org: string, from: string, to: string) {
  const handle = page.locator(`[data-widget-id="${from}"] .widget-drag`);
  const target = page.locator(`[data-widget-id="${to}"]`);
  const hb = (await handle.boundingBox())!;
  const tb = (await target.boundingBox())!;
  const saved = page.waitForResponse((r) => r.url().endsWith(`/dashboards/${org}/layout`) && r.request().method() === 'PUT');
  await page.mouse.move(hb.x + 20, hb.y + hb.height / 2);
  await page.mouse.down();
  await page.mouse.move(hb.x - 100, hb.y + 40, { steps: 8 });
  await page.mouse.move(tb.x + 20, tb.y + 20, { steps: 12 });
  await page.mouse.up();
  return saved;
}

/** Adds a metric widget through the dialog (Add widget → source, metric, title → Add widget). */
export async function addWidgetInDialog(page: Page, source: string, metric: string, title: string): Promise<void> {
  await page.getByRole('button', { name: 'Add widget' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Source').selectOption(source);
  await dialog.getByLabel('Metric').selectOption(metric);
  await dialog.getByLabel('Title').fill(title);
  await dialog.getByRole('button', { name: 'Add widget' }).click();
  await expect(dialog).toBeHidden();
}

/** A `finance.invoice.created` event of `org` for `amount`, now, with fresh ids. */
export function invoiceEvent(org: string, amount: number, tag: string) {
  const now = new Date().toISOString();
  return {
    event_id: crypto.randomUUID(), event_type: 'finance.invoice.created', organization_id: org,
    timestamp: now, source_service: 'erp-finance-service', version: '1.0', correlation_id: crypto.randomUUID(),
    data: { entity_id: `inv-e2e-${tag}-${Date.now()}`, entity_type: 'invoice', action: 'created',
      payload: { customer_id: 'con-1', amount, due_date: now.slice(0, 10), recurring: false } },
  };
}

/** Posts one invoice of `org` for `amount` through the ingest API and checks it was accepted. */
export async function postInvoice(org: string, amount: number, tag: string): Promise<void> {
  const r = await api<{ accepted: number; rejected: unknown[] }>('/events', state().tokens.ingest,
    { method: 'POST', body: JSON.stringify(invoiceEvent(org, amount, tag)) });
  expect(r.rejected).toEqual([]);
  expect(r.accepted).toBe(1);
}
