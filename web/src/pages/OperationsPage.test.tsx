import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Joined } from '../components/Joined';
import { IngestCounters } from './OperationsPage';

const usd = { locale: 'en-US', currency: 'USD' };
const metrics = (accepted: number) => `# TYPE readside_ingest_events_total counter
readside_ingest_events_total{outcome="accepted"} ${accepted}
readside_ingest_events_total{outcome="duplicate"} 0
readside_ingest_events_total{outcome="conflict"} 0
readside_ingest_events_total{outcome="rejected"} 0
`;

const rateTile = () => screen.getByText('Ingest rate').closest('.ops-tile')!;

describe('the ingest counters', () => {
  it('say the rate is being measured until a second reading gives it, then show it', () => {
    const t0 = Date.now();
    const { rerender } = render(<IngestCounters text={metrics(100)} error={null} at={t0} ctx={usd} retry={() => {}} />);
    const value = rateTile().querySelector('.ops-tile-value')!;
    expect(value.textContent).toBe('measuring…');
    expect(value.getAttribute('data-value')).toBe('');
    rerender(<IngestCounters text={metrics(150)} error={null} at={t0 + 5000} ctx={usd} retry={() => {}} />);
    expect(rateTile().querySelector('.ops-tile-value')!.textContent).toBe('10/s');
  });

  it('end their line with its freshness, never with a separator left hanging', () => {
    const { container } = render(<IngestCounters text={metrics(1)} error={null} at={Date.now()} ctx={usd} retry={() => {}} />);
    const line = container.querySelector('.ops-line')!.textContent!;
    expect(line).toMatch(/^Every tenant on this server, since it started ·\u00a0as of /);
    expect(line).not.toMatch(/·\s*$/);
  });
});

describe('parts of a line joined by “·”', () => {
  it('leave out empty parts with their separator, and bind each separator to the part after it', () => {
    const { container, rerender } = render(<Joined parts={['Acme', null, 'refreshes every 5 s', false, '', undefined]} />);
    expect(container.textContent).toBe('Acme ·\u00a0refreshes every 5 s');
    rerender(<Joined parts={['Acme', false]} />);
    expect(container.textContent).toBe('Acme');
    rerender(<Joined parts={[null, 'Acme']} />);
    expect(container.textContent).toBe('Acme');
    // One inline box: a flex line wraps it as text, not its parts as separate items.
    expect(container.children).toHaveLength(1);
    expect(container.firstElementChild!.tagName).toBe('SPAN');
  });
});
