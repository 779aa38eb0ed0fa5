import { describe, expect, it } from 'vitest';
import { trends } from './analytics';

describe("a domain page's trends", () => {
  it('are its first four KPIs, each over the periods up to the one shown', () => {
    const t = trends('acme', 'finance', '2024-03', ['finance']);
    expect(t.map((x) => x.def.key)).toEqual(['total_revenue', 'revenue_growth', 'accounts_receivable', 'net_profit']);
    expect(t[0].granularity).toBe('month');
    expect(t[0].query.queryKey).toEqual(['series', 'acme', 'finance', 'total_revenue', 'month', '2023-04', '2024-03']);
    expect(trends('acme', 'finance', '2024-W10', ['finance'])[0].query.queryKey.slice(4))
      .toEqual(['week', '2023-W51', '2024-W10']);
  });

  it('leave out the cross-service metrics whose sources the roles cannot all read', () => {
    expect(trends('acme', 'cross', '2024-03', ['finance', 'hr']).map((x) => x.def.key)).toEqual(['revenue_per_employee']);
    expect(trends('acme', 'cross', '2024-03', ['admin'])).toHaveLength(3);
  });
});
