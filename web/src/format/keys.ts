// The keys of a breakdown (a map metric's entries: metrics.md, e.g. pipeline_stages'
// {stage: count}) as people read them, in the order they mean something in. Only the text shown
// changes: the testing hooks keep the raw key (data-metric `<domain>.<metric>.<key>`).

/**
 * A map key for display: a lower-case identifier ("closed_won", "prospecting", "call") becomes
 * words with a capital ("Closed won", "Prospecting", "Call"); anything else is a name or an id
 * already ("Engineering", "Account Executive", "wh-east", "proj-12") and is shown as written.
 */
export function keyLabel(key: string): string {
  if (!/^[a-z]+(_[a-z]+)*$/.test(key)) return key;
  return key[0].toUpperCase() + key.slice(1).replace(/_/g, ' ');
}

/** The keys of a map metric (`<domain>.<metric>`) that have an order of their own: the CRM
 *  pipeline's stages, as the simulator moves opportunities through them (src/sim/crm_pipeline.cc). */
const kKeyOrders: Record<string, readonly string[]> = {
  'crm.pipeline_stages': ['prospecting', 'qualification', 'proposal', 'negotiation'],
};

/** Whether the entries of `metric` (`<domain>.<metric>`) are shown in an order of their own. */
export function hasKeyOrder(metric: string): boolean {
  return metric in kKeyOrders;
}

/**
 * `items` in the order of `metric`'s keys: the known keys first, in their order (a pipeline's
 * stages from prospecting to negotiation), then any others alphabetically. A metric without an
 * order of its own keeps the order given.
 */
export function orderByKey<T>(metric: string, items: readonly T[], keyOf: (item: T) => string): T[] {
  const order = kKeyOrders[metric];
  if (!order) return [...items];
  const rank = (k: string) => {
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  return [...items].sort((a, b) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    return rank(ka) - rank(kb) || (ka < kb ? -1 : ka > kb ? 1 : 0);
  });
}
