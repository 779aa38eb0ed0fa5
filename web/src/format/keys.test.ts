import { describe, expect, it } from 'vitest';
import { hasKeyOrder, keyLabel, orderByKey } from './keys';

describe('a map key shown to people', () => {
  it('is words with a capital when it is a lower-case identifier', () => {
    expect(keyLabel('closed_won')).toBe('Closed won');
    expect(keyLabel('prospecting')).toBe('Prospecting');
    expect(keyLabel('call')).toBe('Call');
  });

  it('is left as written when it is a name or an id', () => {
    for (const k of ['Engineering', 'Account Executive', 'wh-east', 'proj-12', 'emp-3', 'a1b2', '']) {
      expect(keyLabel(k)).toBe(k);
    }
  });
});

describe('the order of a map’s keys', () => {
  it('is the pipeline’s for its stages, then any other stage alphabetically', () => {
    const keys = ['negotiation', 'zzz_custom', 'proposal', 'closed_won', 'prospecting', 'qualification'];
    expect(orderByKey('crm.pipeline_stages', keys, (k) => k))
      .toEqual(['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'zzz_custom']);
    expect(hasKeyOrder('crm.pipeline_stages')).toBe(true);
  });

  it('is the one given for a map without an order of its own', () => {
    const keys = ['Sales', 'Engineering', 'HR'];
    expect(orderByKey('hrm.employees_by_department', keys, (k) => k)).toEqual(keys);
    expect(hasKeyOrder('hrm.employees_by_department')).toBe(false);
  });
});
