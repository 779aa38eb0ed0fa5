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
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Replace the default', hidden: true }));
    await new Promise((r) => setTimeout(r, 20));
    expect(posts).toEqual([]);  // asking sends nothing
    fireEvent.click(screen.getByRole('button', { name: 'Keep the current default', hidden: true }));
    expect(screen.queryByRole('group', { hidden: true })).toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    expect(posts).toEqual([]);
    expect(onClose).not.toHaveBeenCalled();
    expect(confirm).not.toHaveBeenCalled();  // the app's own question, not the browser's
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
