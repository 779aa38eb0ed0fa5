import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <TenantContext.Provider value={kTenant}>
        <WidgetCard widget={revenue} scope={{ org: 'acme-corp' }} readOnly={false} onEdit={() => {}} />
      </TenantContext.Provider>
    </QueryClientProvider>,
  );
}

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
    expect(within(dialog).getByRole('heading', { hidden: true }).textContent).toBe('Delete this widget?');
    expect(dialog.textContent).toContain('Revenue');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Keep it', hidden: true }));
    expect(screen.queryByRole('dialog', { hidden: true })).toBeNull();
    expect(document.activeElement).toBe(del);
    // Escape: the dialog's cancel event, which closes it too.
    askDelete();
    fireEvent(screen.getByRole('dialog', { hidden: true }), new Event('cancel', { cancelable: true }));
    expect(screen.queryByRole('dialog', { hidden: true })).toBeNull();
    expect(document.activeElement).toBe(del);
    await new Promise((r) => setTimeout(r, 20));
    expect(fetch).not.toHaveBeenCalled();
    expect(window.confirm).not.toHaveBeenCalled();
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
});
