import { describe, expect, it } from 'vitest';
import { change, deltaOf } from './DomainPage';

describe('changes against the previous period', () => {
  it('is relative for amounts and counts, measured from the size of the previous value', () => {
    expect(change(150, 100)).toBeCloseTo(0.5);
    expect(change(-50, -100)).toBeCloseTo(0.5); // a loss halved is an improvement
    expect(change(5, 0)).toBeNull();
    expect(change(null, 3)).toBeNull();
  });

  it('is in percentage points between two percentages', () => {
    expect(deltaOf('percent', 0.25, 0.2)).toEqual({ value: expect.closeTo(0.05), points: true });
    expect(deltaOf('money', 120, 100)).toEqual({ value: expect.closeTo(0.2), points: false });
    expect(deltaOf('percent', null, 0.2)).toBeNull();
  });
});
