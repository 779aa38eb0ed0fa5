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
  it('asks before replacing the organization’s default, and sends nothing when the answer is no', async () => {
    const confirm = vi.fn(() => false);
    vi.stubGlobal('confirm', confirm);
    const onClose = dialog();
    fireEvent.click(await screen.findByRole('button', { name: 'Set as the organization default: Sales', hidden: true }));
    expect(confirm).toHaveBeenCalledWith(expect.stringContaining('“Sales”'));
    await new Promise((r) => setTimeout(r, 20));
    expect(posts).toEqual([]);
    expect(onClose).not.toHaveBeenCalled();
  });

  it('sets the default once confirmed', async () => {
    vi.stubGlobal('confirm', vi.fn(() => true));
    const onClose = dialog();
    fireEvent.click(await screen.findByRole('button', { name: 'Set as the organization default: Sales', hidden: true }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(posts).toEqual(['/dashboards/acme-corp/from-template/sales {"target":"default"}']);
  });

  it('uses a template for one’s own dashboard without asking (the dialog says what it replaces)', async () => {
    const confirm = vi.fn(() => false);
    vi.stubGlobal('confirm', confirm);
    const onClose = dialog();
    fireEvent.click(await screen.findByRole('button', { name: 'Use Sales as my dashboard', hidden: true }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(confirm).not.toHaveBeenCalled();
    expect(posts).toEqual(['/dashboards/acme-corp/from-template/sales {"target":"own"}']);
  });
});
