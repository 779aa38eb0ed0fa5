import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tenantQuery } from '../api/tenant';
import { saveToken } from '../auth/session';
import { Shell } from './Shell';
import { fakeToken as token } from '../auth/fakeToken';

beforeEach(() => {
  saveToken(token({ org: 'acme-corp', roles: ['admin'], sub: 'ann', exp: Math.floor(Date.now() / 1000) + 3600 }));
});
afterEach(() => sessionStorage.clear());

async function shell() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  qc.setQueryData(tenantQuery('acme-corp').queryKey,
    { organization_id: 'acme-corp', name: 'Acme', timezone: 'UTC', currency: 'USD' });
  const router = createMemoryRouter([{ path: '/o/:org', element: <Shell />, children: [
    { index: true, element: <h1>Dashboard page</h1> },
    { path: '*', element: <h1>Another page</h1> },
  ] }], { initialEntries: ['/o/acme-corp'] });
  render(<QueryClientProvider client={qc}><RouterProvider router={router} /></QueryClientProvider>);
  await screen.findByRole('heading', { name: 'Dashboard page' });
  const nav = screen.getByRole('navigation');
  return { nav, links: within(nav).getAllByRole('link'), menu: screen.getByRole('button', { name: 'Menu' }) };
}

const mainColumn = () => document.querySelector('.main-col')!;

describe('the phone menu', () => {
  it('takes the focus when opened, and makes the page behind it inert', async () => {
    const { links, menu } = await shell();
    expect(mainColumn().hasAttribute('inert')).toBe(false);
    menu.focus();
    fireEvent.click(menu);
    expect(menu.getAttribute('aria-expanded')).toBe('true');
    expect(document.activeElement).toBe(links[0]);
    expect(links[0].textContent).toBe('Dashboard');
    expect(mainColumn().hasAttribute('inert')).toBe(true);
    expect(screen.getByText('Skip to content').hasAttribute('inert')).toBe(true);
  });

  it('keeps Tab inside it: from its last control to its first, and Shift+Tab back', async () => {
    const { links, menu } = await shell();
    fireEvent.click(menu);
    const close = screen.getByRole('button', { name: 'Close the menu' });
    const last = links[links.length - 1];
    last.focus();
    expect(fireEvent.keyDown(last, { key: 'Tab' })).toBe(false);  // the browser's move prevented
    expect(document.activeElement).toBe(close);
    fireEvent.keyDown(close, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(last);
    // Between the two ends, Tab is the browser's own.
    links[0].focus();
    expect(fireEvent.keyDown(links[0], { key: 'Tab' })).toBe(true);
  });

  it('closes with Escape and gives the focus back to the Menu button', async () => {
    const { menu } = await shell();
    fireEvent.click(menu);
    expect(document.activeElement).not.toBe(menu);
    act(() => { window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' })); });
    expect(menu.getAttribute('aria-expanded')).toBe('false');
    expect(mainColumn().hasAttribute('inert')).toBe(false);
    expect(document.activeElement).toBe(menu);
  });

  it('closes with its Close button, the focus back on the Menu button', async () => {
    const { menu } = await shell();
    fireEvent.click(menu);
    fireEvent.click(screen.getByRole('button', { name: 'Close the menu' }));
    expect(menu.getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(menu);
  });

  it('closes when a link is followed, the focus on the page it opens', async () => {
    const { links, menu } = await shell();
    fireEvent.click(menu);
    fireEvent.click(links.find((l) => l.textContent === 'Reports')!);
    await screen.findByRole('heading', { name: 'Another page' });
    expect(menu.getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(document.getElementById('main'));
  });
});

describe('the navigation', () => {
  const signInAs = (roles: string[]) =>
    saveToken(token({ org: 'acme-corp', roles, sub: 'ann', exp: Math.floor(Date.now() / 1000) + 3600 }));
  const names = (links: HTMLElement[]) => links.map((l) => l.textContent);

  it('shows Reports and Search to roles that read a domain', async () => {
    signInAs(['sales']);
    const { links } = await shell();
    expect(names(links)).toEqual(['Dashboard', 'CRM', 'Reports', 'Search']);
    expect(screen.getByRole('search')).toBeTruthy();
  });

  it('hides Reports and Search, and the top bar’s search, from roles that read no domain', async () => {
    signInAs(['ingest']);
    const { nav, links } = await shell();
    expect(names(links)).toEqual(['Dashboard']);
    expect(nav.textContent).not.toContain('Work');
    expect(nav.textContent).not.toContain('Analytics');
    expect(screen.queryByRole('search')).toBeNull();
  });

  it('shows an admin everything, Operations too', async () => {
    const { links } = await shell();
    expect(names(links)).toEqual(['Dashboard', 'CRM', 'HRM', 'Finance', 'Inventory', 'Projects', 'Cross-service',
      'Reports', 'Search', 'Operations']);
  });
});
