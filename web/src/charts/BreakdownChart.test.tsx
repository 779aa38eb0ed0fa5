import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BreakdownChart } from './BreakdownChart';
import { breakdownOption, type Palette, type Slice } from './chartOptions';

// ECharts does not draw in jsdom: the chart's instance is a fake that records what it is told.
const fake = vi.hoisted(() => ({ setOption: vi.fn(), dispatchAction: vi.fn(), resize: vi.fn(), dispose: vi.fn() }));
vi.mock('./echarts', () => ({ echarts: { init: () => fake } }));

const usd = { locale: 'en-US', currency: 'USD' };
const palette: Palette = { series: ['#aa0000', '#00aa00'], text: '#222', grid: '#333', surface: '#fff' };
const slices: Slice[] = [{ name: 'Web', value: 1234.5 }, { name: 'Mail', value: 20 }, { name: 'Phone', value: 0.25 }];

function breakdown(s: Slice[] = slices) {
  return <BreakdownChart option={breakdownOption(s, 'donut', 'money', usd, palette)} slices={s} unit="money" ctx={usd}
                         palette={palette} series="crm.leads_by_source" label="Leads by source, chart" />;
}

/** Charts in view at once (the setup's IntersectionObserver never reports), so ECharts is "made". */
function inView() {
  vi.stubGlobal('IntersectionObserver', class {
    constructor(private readonly report: IntersectionObserverCallback) {}
    observe() { this.report([{ isIntersecting: true } as IntersectionObserverEntry], this as unknown as IntersectionObserver); }
    disconnect() {}
  });
  vi.stubGlobal('ResizeObserver', class { observe() {} disconnect() {} });
}

const legendButtons = () => within(screen.getByRole('list', { name: 'Legend' })).getAllByRole('button');
const toggles = () => fake.dispatchAction.mock.calls.map(([a]) => a);

beforeEach(() => { vi.clearAllMocks(); });
afterEach(() => { vi.unstubAllGlobals(); });

describe('a breakdown chart’s legend', () => {
  it('has a button per slice, in the chart’s order, with its colour and its value as the tooltip writes it', () => {
    const { container } = render(breakdown());
    const buttons = legendButtons();
    expect(buttons.map((b) => b.textContent)).toEqual(['Web $1,234.50', 'Mail $20.00', 'Phone $0.25']);
    expect(buttons.map((b) => b.getAttribute('aria-pressed'))).toEqual(['true', 'true', 'true']);
    expect(buttons.every((b) => b.tagName === 'BUTTON' && b.getAttribute('type') === 'button')).toBe(true);
    // The palette in turn, as ECharts colours the slices; the swatch is not read out.
    const swatches = buttons.map((b) => b.querySelector<HTMLElement>('.chart-legend-swatch')!);
    expect(swatches.map((s) => s.style.color)).toEqual(['rgb(170, 0, 0)', 'rgb(0, 170, 0)', 'rgb(170, 0, 0)']);
    expect(swatches.every((s) => s.getAttribute('aria-hidden') === 'true')).toBe(true);
    // The chart stays a labelled image, named by its series.
    const chart = container.querySelector('[data-series="crm.leads_by_source"]')!;
    expect(chart.getAttribute('role')).toBe('img');
    expect(chart.getAttribute('aria-label')).toBe('Leads by source, chart');
  });

  it('carries each value’s testing hooks: data-metric <series>.<name> and the raw value', () => {
    const { container } = render(breakdown());
    const values = [...container.querySelectorAll('.chart-legend-value')];
    expect(values.map((v) => v.getAttribute('data-metric')))
      .toEqual(['crm.leads_by_source.Web', 'crm.leads_by_source.Mail', 'crm.leads_by_source.Phone']);
    expect(values.map((v) => v.getAttribute('data-value'))).toEqual(['1234.5', '20', '0.25']);
    expect(container.querySelector('[data-metric="crm.leads_by_source.Web"]')!.textContent).toBe('$1,234.50');
  });

  it('is in the tab order: each button takes the focus', () => {
    render(breakdown());
    for (const b of legendButtons()) {
      b.focus();
      expect(document.activeElement).toBe(b);
    }
  });

  it('hides a slice in the chart when its button is pressed, and shows it again when pressed again', async () => {
    inView();
    render(breakdown());
    await waitFor(() => expect(fake.setOption).toHaveBeenCalledTimes(1));
    expect(toggles()).toEqual([]);  // nothing hidden: nothing to tell the chart

    fireEvent.click(screen.getByRole('button', { name: 'Mail $20.00' }));
    expect(toggles()).toEqual([{ type: 'legendToggleSelect', name: 'Mail' }]);
    expect(legendButtons().map((b) => b.getAttribute('aria-pressed'))).toEqual(['true', 'false', 'true']);

    fireEvent.click(screen.getByRole('button', { name: 'Mail $20.00' }));
    expect(toggles()).toEqual([{ type: 'legendToggleSelect', name: 'Mail' }, { type: 'legendToggleSelect', name: 'Mail' }]);
    expect(legendButtons().map((b) => b.getAttribute('aria-pressed'))).toEqual(['true', 'true', 'true']);
  });

  it('keeps a slice hidden when the chart is drawn after the press, and when new data redraws it', async () => {
    inView();
    const { rerender } = render(breakdown());
    // Pressed before ECharts has loaded: nothing to tell yet, the button keeps the state.
    fireEvent.click(screen.getByRole('button', { name: 'Phone $0.25' }));
    expect(toggles()).toEqual([]);
    await waitFor(() => expect(fake.setOption).toHaveBeenCalledTimes(1));
    expect(toggles()).toEqual([{ type: 'legendUnSelect', name: 'Phone' }]);

    // New data: the chart starts afresh (notMerge), then hides the slice again.
    fake.dispatchAction.mockClear();
    rerender(breakdown([...slices.slice(0, 2), { name: 'Phone', value: 7 }]));
    expect(fake.setOption).toHaveBeenCalledTimes(2);
    expect(fake.setOption.mock.calls[1][1]).toEqual({ notMerge: true });
    expect(toggles()).toEqual([{ type: 'legendUnSelect', name: 'Phone' }]);
    const phone = screen.getByRole('button', { name: 'Phone $7.00' });
    expect(phone.getAttribute('aria-pressed')).toBe('false');

    // Pressed again: shown again, in the chart too.
    fireEvent.click(phone);
    expect(phone.getAttribute('aria-pressed')).toBe('true');
    expect(toggles()).toEqual([{ type: 'legendUnSelect', name: 'Phone' }, { type: 'legendToggleSelect', name: 'Phone' }]);
  });

  it('is not there for a breakdown of no slices', () => {
    const { container } = render(breakdown([]));
    expect(screen.queryByRole('list')).toBeNull();
    expect(screen.queryAllByRole('button')).toEqual([]);
    expect(container.querySelector('[data-series="crm.leads_by_source"]')).not.toBeNull();
  });
});
