import { fireEvent, render, screen } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Widget } from '../api/dashboards';
import { TenantContext, type Tenant } from '../api/tenant';
import { saveToken } from '../auth/session';
import { numberFieldError, wholeNumber, WidgetDialog } from './WidgetDialog';
import { fakeToken as token } from '../auth/fakeToken';

const kTenant: Tenant = { organization_id: 'acme-corp', name: 'Acme', timezone: 'UTC', currency: 'USD', locale: 'en-US' };

const chart: Widget = {
  widget_id: 'executive-5', dashboard_id: 'default', organization_id: 'acme-corp', widget_type: 'chart',
  title: 'Revenue, last 12 months', data_source: 'finance', query_params: { metric: 'total_revenue', granularity: 'month' },
  refresh_interval: 300, chart_type: 'line', grid: { x: 0, y: 2, w: 8, h: 4 }, created_at: null, updated_at: null,
  version: 1, position: 9, as_of: '2026-12-04T05:00:00Z', cached_data: null, cache_expires: null,
};

let fetch: ReturnType<typeof vi.fn>;
beforeEach(() => {
  saveToken(token({ org: 'acme-corp', roles: ['admin'], sub: 'ann', exp: Math.floor(Date.now() / 1000) + 3600 }));
  fetch = vi.fn(async () => new Response(JSON.stringify(chart), { status: 200, headers: { 'Content-Type': 'application/json' } }));
  vi.stubGlobal('fetch', fetch);
});
afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

function dialog() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const onClose = vi.fn();
  render(
    <QueryClientProvider client={qc}>
      <TenantContext.Provider value={kTenant}>
        <WidgetDialog scope={{ org: 'acme-corp' }} widgets={[chart]} widget={chart} onClose={onClose} />
      </TenantContext.Provider>
    </QueryClientProvider>,
  );
  return { onClose, form: document.getElementById('widget-form') as HTMLFormElement };
}

/** Types `text` key by key: each keystroke adds to what the field shows after the last one. */
function typeInto(input: HTMLInputElement, text: string) {
  fireEvent.change(input, { target: { value: '' } });
  for (const ch of text) fireEvent.change(input, { target: { value: input.value + ch } });
}

describe('the widget dialog’s number fields', () => {
  it('keep what is typed: “15” is 15, not 25', () => {
    dialog();
    const count = screen.getByLabelText('Periods shown') as HTMLInputElement;
    expect(count.value).toBe('12');
    typeInto(count, '15');
    expect(count.value).toBe('15');
    const refresh = screen.getByLabelText('Refresh (seconds)') as HTMLInputElement;
    typeInto(refresh, '60');
    expect(refresh.value).toBe('60');
    // Cleared, a field stays empty while one types (it used to jump to 12, or 300).
    fireEvent.change(count, { target: { value: '' } });
    expect(count.value).toBe('');
  });

  it('show the range error of a value out of range when the field is left, without changing it', () => {
    dialog();
    const count = screen.getByLabelText('Periods shown') as HTMLInputElement;
    typeInto(count, '1');
    expect(screen.queryByText(/must be a whole number/)).toBeNull();  // not while typing
    fireEvent.blur(count);
    expect(count.value).toBe('1');
    const error = screen.getByText('Periods shown must be a whole number from 2 to 60.');
    expect(count.getAttribute('aria-invalid')).toBe('true');
    expect(count.getAttribute('aria-describedby')).toBe(error.id);
    // Corrected, the error goes as it is typed.
    typeInto(count, '24');
    expect(screen.queryByText(/Periods shown must/)).toBeNull();
    expect(count.getAttribute('aria-invalid')).toBeNull();
  });

  it('on submit, show an empty or out-of-range field’s error, focus it and send nothing', () => {
    const { form, onClose } = dialog();
    const refresh = screen.getByLabelText('Refresh (seconds)') as HTMLInputElement;
    fireEvent.change(refresh, { target: { value: '' } });
    fireEvent.submit(form);
    expect(screen.getByText('Refresh (seconds) must be a whole number from 5 to 86400.')).toBeTruthy();
    expect(document.activeElement).toBe(refresh);
    expect(refresh.value).toBe('');
    typeInto(screen.getByLabelText('Periods shown') as HTMLInputElement, '61');
    fireEvent.submit(form);
    expect(screen.getByText('Periods shown must be a whole number from 2 to 60.')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText('Periods shown'));
    expect(fetch).not.toHaveBeenCalled();
    expect(onClose).not.toHaveBeenCalled();
  });

  it('send the typed values once they are valid', async () => {
    const { form, onClose } = dialog();
    typeInto(screen.getByLabelText('Periods shown') as HTMLInputElement, '15');
    typeInto(screen.getByLabelText('Refresh (seconds)') as HTMLInputElement, '60');
    fireEvent.submit(form);
    await vi.waitFor(() => expect(onClose).toHaveBeenCalled());
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('/dashboards/acme-corp/widgets/executive-5');
    const body = JSON.parse(String(init.body));
    expect(body.refresh_interval).toBe(60);
    expect(body.query_params.granularity).toBe('month');
    expect(body.query_params.from).toBeDefined();  // 15 months: a fixed range, 15 periods long
  });
});

describe('a number field’s check', () => {
  it('takes whole numbers in range only', () => {
    expect(wholeNumber(' 15 ')).toBe(15);
    expect(wholeNumber('')).toBeNull();
    expect(wholeNumber('2.5')).toBeNull();
    expect(numberFieldError('count', '2')).toBeNull();
    expect(numberFieldError('count', '60')).toBeNull();
    expect(numberFieldError('count', '61')).toBe('Periods shown must be a whole number from 2 to 60.');
    expect(numberFieldError('refresh_interval', '')).toBe('Refresh (seconds) must be a whole number from 5 to 86400.');
    expect(numberFieldError('refresh_interval', '4')).not.toBeNull();
  });
});
