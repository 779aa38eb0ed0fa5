import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Widget } from '../api/dashboards';
import { TenantContext, type Tenant } from '../api/tenant';
import { saveToken } from '../auth/session';
import { WidgetCard } from './WidgetCard';
import { fakeToken as token } from '../auth/fakeToken';

const kTenant: Tenant = { organization_id: 'acme-corp', name: 'Acme', timezone: 'UTC', currency: 'USD', locale: 'en-US' };

const revenue: Widget = {
  widget_id: 'executive-1', dashboard_id: 'default', organization_id: 'acme-corp', widget_type: 'metric',
  title: 'Revenue', data_source: 'finance', query_params: { metric: 'total_revenue' }, refresh_interval: 60,
  chart_type: '', grid: { x: 0, y: 0, w: 3, h: 2 }, created_at: null, updated_at: null, version: 1, position: 9,
  as_of: new Date().toISOString(), cached_data: { period: '2026-12', value: 10 }, cache_expires: null,
};

function card() {
  return cards([revenue]);
}

/** Widgets one after the other as the dashboard draws them (each in its own box, in reading
 *  order), under the page's "Add widget" when `add`. */
function cards(widgets: Widget[], add = false) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <TenantContext.Provider value={kTenant}>
        {add && <button type="button" data-action="add-widget">Add widget</button>}
        <div className="stack">
          {widgets.map((w) => (
            <div key={w.widget_id}>
              <WidgetCard widget={w} scope={{ org: 'acme-corp' }} readOnly={false} onEdit={() => {}} />
            </div>
          ))}
        </div>
      </TenantContext.Provider>
    </QueryClientProvider>,
  );
}
const widget = (id: string, title: string): Widget => ({ ...revenue, widget_id: id, title });

beforeEach(() => {
  saveToken(token({ org: 'acme-corp', roles: ['admin'], sub: 'ann', exp: Math.floor(Date.now() / 1000) + 3600 }));
  // The browser's own confirm is not asked: the app's dialog is.
  vi.stubGlobal('confirm', vi.fn(() => { throw new Error('window.confirm asked'); }));
});

// (jsdom has no showModal: the dialog's contents count as hidden, so queries take hidden: true.)
const askDelete = () => fireEvent.click(screen.getByRole('button', { name: 'Delete Revenue' }));
const confirmDelete = () => fireEvent.click(screen.getByRole('button', { name: 'Delete widget', hidden: true }));
afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('deleting a widget', () => {
  it('that the server refuses says so in the widget, with the server’s reason and what to do', async () => {
    const fetch = vi.fn(async () => new Response(
      JSON.stringify({ title: 'Conflict', detail: 'The dashboard was changed meanwhile.' }),
      { status: 409, headers: { 'Content-Type': 'application/problem+json' } }));
    vi.stubGlobal('fetch', fetch);
    card();
    expect(screen.queryByRole('alert')).toBeNull();
    askDelete();
    confirmDelete();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Not deleted: The dashboard was changed meanwhile. Try again.');
    expect(fetch).toHaveBeenCalledWith('/dashboards/acme-corp/widgets/executive-1', expect.objectContaining({ method: 'DELETE' }));
    expect(screen.getByRole('region', { name: 'Revenue' }).contains(alert)).toBe(true);
  });

  it('that cannot reach the server says so too', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch'); }));
    card();
    askDelete();
    confirmDelete();
    expect((await screen.findByRole('alert')).textContent).toBe('Not deleted: the server could not be reached. Try again.');
  });

  it('asks in the app’s dialog first, and sends nothing when kept (its button or Escape), the focus back on Delete', async () => {
    const fetch = vi.fn(async () => new Response(null, { status: 204 }));
    vi.stubGlobal('fetch', fetch);
    card();
    const del = screen.getByRole('button', { name: 'Delete Revenue' });
    del.focus();
    askDelete();
    const dialog = screen.getByRole('dialog', { hidden: true });
    expect(dialog.tagName).toBe('DIALOG');
    expect(within(dialog).getByRole('heading', { hidden: true }).textContent).toBe('Delete “Revenue”?');
    expect(dialog.textContent).toContain('Revenue will be removed from this dashboard.');
    // The focus is in the dialog (as a browser's showModal puts it) when it closes.
    const keep = within(dialog).getByRole('button', { name: 'Keep it', hidden: true });
    keep.focus();
    expect(document.activeElement).toBe(keep);
    fireEvent.click(keep);
    expect(screen.queryByRole('dialog', { hidden: true })).toBeNull();
    expect(document.activeElement).toBe(del);
    // Escape: the dialog's cancel event, which closes it too.
    askDelete();
    const again = screen.getByRole('dialog', { hidden: true });
    within(again).getByRole('button', { name: 'Delete widget', hidden: true }).focus();
    expect(document.activeElement).not.toBe(del);
    fireEvent(again, new Event('cancel', { cancelable: true }));
    expect(screen.queryByRole('dialog', { hidden: true })).toBeNull();
    expect(document.activeElement).toBe(del);
    await new Promise((r) => setTimeout(r, 20));
    expect(fetch).not.toHaveBeenCalled();
    expect(window.confirm).not.toHaveBeenCalled();
  });

  it('asks with a red Delete widget wherever the dialog opens (its style is the app’s, not the reports page’s)', () => {
    card();
    askDelete();
    expect(screen.getByRole('button', { name: 'Delete widget', hidden: true }).classList).toContain('btn-danger-solid');
    // Vitest does not load CSS into jsdom: the files are read. reports.css comes only with the
    // reports page; components.css with every page.
    const css = (file: string) => readFileSync(path.join(__dirname, file), 'utf8').replace(/\s+/g, ' ');
    expect(css('../styles/components.css')).toMatch(/\.btn-danger-solid \{[^}]*background: var\(--bad\);/);
    expect(css('../pages/reports/reports.css')).not.toContain('.btn-danger-solid');
  });

  it('deletes once confirmed in the dialog', async () => {
    const fetch = vi.fn(async () => new Response(null, { status: 204 }));
    vi.stubGlobal('fetch', fetch);
    card();
    askDelete();
    expect(screen.getByRole('dialog', { hidden: true }).querySelector('[data-action="confirm-delete"]')!.textContent)
      .toBe('Delete widget');
    confirmDelete();
    expect(screen.queryByRole('dialog', { hidden: true })).toBeNull();
    await waitFor(() => expect(fetch).toHaveBeenCalledWith('/dashboards/acme-corp/widgets/executive-1',
      expect.objectContaining({ method: 'DELETE' })));
    expect(window.confirm).not.toHaveBeenCalled();
  });
  describe('once deleted, puts the focus where a keyboard user goes on (not on the page’s body)', () => {
    const [a, b, c] = [widget('w-a', 'Revenue'), widget('w-b', 'Profit'), widget('w-c', 'Employees')];
    // The server answers the DELETE when `answer` is called.
    let answer: () => void;
    let fetch: ReturnType<typeof vi.fn>;
    beforeEach(() => {
      fetch = vi.fn(() => new Promise<Response>((resolve) => { answer = () => resolve(new Response(null, { status: 204 })); }));
      vi.stubGlobal('fetch', fetch);
    });
    const deleteBy = async (title: string) => {
      const del = screen.getByRole('button', { name: `Delete ${title}` });
      del.focus();
      fireEvent.click(del);
      const confirm = screen.getByRole('button', { name: 'Delete widget', hidden: true });
      confirm.focus();  // pressed by keyboard
      fireEvent.click(confirm);
      await waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    };

    it('on the next widget in reading order, which takes its place', async () => {
      cards([a, b, c], true);
      await deleteBy('Profit');
      answer();
      await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('region', { name: 'Employees' })));
    });

    it('on the one before when it was the last', async () => {
      cards([a, b, c], true);
      await deleteBy('Employees');
      answer();
      await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('region', { name: 'Profit' })));
    });

    it('on the dashboard’s Add widget when it was the only one', async () => {
      cards([a], true);
      await deleteBy('Revenue');
      answer();
      await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Add widget' })));
    });

    it('not when one has put it elsewhere meanwhile', async () => {
      cards([a, b], true);
      await deleteBy('Revenue');
      const add = screen.getByRole('button', { name: 'Add widget' });
      add.focus();  // before the server answers
      answer();
      await waitFor(() => expect(screen.getByRole('button', { name: 'Delete Revenue' }).hasAttribute('disabled')).toBe(false));
      expect(document.activeElement).toBe(add);
    });
  });
});
