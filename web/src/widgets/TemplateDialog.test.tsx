// (jsdom has no showModal: the dialog's contents count as hidden, so queries take hidden: true.)
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Dashboard } from '../api/dashboards';
import { saveToken } from '../auth/session';
import { TemplateDialog } from './TemplateDialog';
import { fakeToken as token } from '../auth/fakeToken';

const kDashboard = { dashboard_id: 'default', name: 'Executive overview', owner: null, widgets: [] } as unknown as Dashboard;
const kTemplates = { templates: [{ name: 'sales', title: 'Sales', description: 'Pipeline and deals', widgets: [{}, {}] }] };

let posts: string[] = [];
function dialog() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const onClose = vi.fn();
  render(
    <QueryClientProvider client={qc}>
      <TemplateDialog org="acme-corp" dashboard={kDashboard} onClose={onClose} />
    </QueryClientProvider>,
  );
  return onClose;
}

beforeEach(() => {
  saveToken(token({ org: 'acme-corp', roles: ['admin'], sub: 'ann', exp: Math.floor(Date.now() / 1000) + 3600 }));
  posts = [];
  vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
    if (init?.method === 'POST') {
      posts.push(`${url} ${String(init.body)}`);
      return new Response(JSON.stringify(kDashboard), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }
    return new Response(JSON.stringify(kTemplates), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }));
});
afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('the template dialog', () => {
  it('asks before replacing the organization’s default, in the template’s card, and sends nothing when kept', async () => {
    const confirm = vi.fn(() => true);
    vi.stubGlobal('confirm', confirm);
    const onClose = dialog();
    fireEvent.click(await screen.findByRole('button', { name: 'Set as the organization default: Sales', hidden: true }));
    const question = screen.getByRole('group', { name: /Replace the organization’s default dashboard with “Sales”\?/, hidden: true });
    expect(question.textContent).toContain('Everyone without a dashboard of their own will see it.');
    // The focus is on the harmless answer, not on the one that replaces everyone's dashboard.
    const keep = screen.getByRole('button', { name: 'Keep the current default', hidden: true });
    expect(document.activeElement).toBe(keep);
    await new Promise((r) => setTimeout(r, 20));
    expect(posts).toEqual([]);  // asking sends nothing
    fireEvent.click(keep);
    expect(screen.queryByRole('group', { hidden: true })).toBeNull();
    // The focus is back on the button that asked (the question that had it is gone).
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Set as the organization default: Sales', hidden: true }));
    await new Promise((r) => setTimeout(r, 20));
    expect(posts).toEqual([]);
    expect(onClose).not.toHaveBeenCalled();
    expect(confirm).not.toHaveBeenCalled();  // the app's own question, not the browser's
  });

  it('closes the question only on Escape, the focus back on the button that asked; Escape again closes the dialog', async () => {
    const onClose = dialog();
    const ask = await screen.findByRole('button', { name: 'Set as the organization default: Sales', hidden: true });
    fireEvent.click(ask);
    // Escape's keydown, cancelled (a browser then sends the dialog no cancel event).
    const escape = fireEvent.keyDown(screen.getByRole('button', { name: 'Keep the current default', hidden: true }), { key: 'Escape' });
    expect(escape).toBe(false);
    expect(screen.queryByRole('group', { hidden: true })).toBeNull();
    expect(onClose).not.toHaveBeenCalled();
    const again = screen.getByRole('button', { name: 'Set as the organization default: Sales', hidden: true });
    expect(document.activeElement).toBe(again);
    // With no question, Escape is the dialog's: not cancelled here, and its cancel event closes it.
    expect(fireEvent.keyDown(again, { key: 'Escape' })).toBe(true);
    fireEvent(screen.getByRole('dialog', { hidden: true }), new Event('cancel', { cancelable: true }));
    expect(onClose).toHaveBeenCalledTimes(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(posts).toEqual([]);
  });

  it('says a refused default in an alert that takes the focus', async () => {
    vi.stubGlobal('fetch', vi.fn(async (_url: string, init?: RequestInit) => init?.method === 'POST'
      ? new Response(JSON.stringify({ title: 'Forbidden', detail: 'only an admin changes the organization’s default dashboard' }),
        { status: 403, headers: { 'Content-Type': 'application/problem+json' } })
      : new Response(JSON.stringify(kTemplates), { status: 200, headers: { 'Content-Type': 'application/json' } })));
    const onClose = dialog();
    fireEvent.click(await screen.findByRole('button', { name: 'Set as the organization default: Sales', hidden: true }));
    fireEvent.click(screen.getByRole('button', { name: 'Replace the default', hidden: true }));
    const alert = await screen.findByRole('alert', { hidden: true });
    expect(alert.textContent).toBe('only an admin changes the organization’s default dashboard');
    await waitFor(() => expect(document.activeElement).toBe(alert));
    expect(onClose).not.toHaveBeenCalled();
  });

  it('sets the default once confirmed', async () => {
    const onClose = dialog();
    fireEvent.click(await screen.findByRole('button', { name: 'Set as the organization default: Sales', hidden: true }));
    fireEvent.click(screen.getByRole('button', { name: 'Replace the default', hidden: true }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(posts).toEqual(['/dashboards/acme-corp/from-template/sales {"target":"default"}']);
  });

  it('uses a template for one’s own dashboard without asking (the dialog says what it replaces)', async () => {
    const onClose = dialog();
    fireEvent.click(await screen.findByRole('button', { name: 'Use Sales as my dashboard', hidden: true }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(screen.queryByRole('group', { hidden: true })).toBeNull();
    expect(posts).toEqual(['/dashboards/acme-corp/from-template/sales {"target":"own"}']);
  });
});
