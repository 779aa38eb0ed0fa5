import { describe, expect, it } from 'vitest';
import {
  domainOfType, hitHref, kEntityTypes, kTypeDomain, parseTypeFilter, readableTypes, type SearchHit,
} from '../../api/search';
import { groupHits, offsetOf, pageCount, pageFromParam, searchHref } from './results';

describe('type → domain', () => {
  it('maps every entity type to the domain of its numbers', () => {
    expect(kTypeDomain).toEqual({
      contact: 'crm', lead: 'crm', opportunity: 'crm', employee: 'hrm', invoice: 'finance',
      product: 'inventory', project: 'projects', task: 'projects',
    });
    expect(domainOfType('nope')).toBeUndefined();
  });

  it('links a hit to its domain page', () => {
    expect(hitHref('acme-corp', 'contact')).toBe('/o/acme-corp/analytics/crm');
    expect(hitHref('acme corp', 'task')).toBe('/o/acme%20corp/analytics/projects');
    expect(hitHref('a', 'invoice')).toBe('/o/a/analytics/finance');
    expect(hitHref('a', 'employee')).toBe('/o/a/analytics/hrm');
    expect(hitHref('a', 'product')).toBe('/o/a/analytics/inventory');
    // an unknown type falls back to the domain the server named
    expect(hitHref('a', 'widget', 'finance')).toBe('/o/a/analytics/finance');
  });

  it('offers only types of domains the roles may read', () => {
    expect(readableTypes(['admin'])).toEqual([...kEntityTypes]);
    expect(readableTypes(['hr'])).toEqual(['employee']);
    expect(readableTypes(['sales', 'finance'])).toEqual(['contact', 'lead', 'opportunity', 'invoice']);
    expect(readableTypes(['analyst'])).toEqual(['contact', 'lead', 'opportunity', 'invoice', 'product', 'project', 'task']);
    expect(readableTypes(['ingest'])).toEqual([]);
  });

  it('cleans the address filter to readable types in canonical order', () => {
    const readable = readableTypes(['sales']);
    expect(parseTypeFilter('lead,contact,lead', readable)).toEqual(['contact', 'lead']);
    expect(parseTypeFilter('employee,bogus,LEAD', readable)).toEqual(['lead']);
    expect(parseTypeFilter('', readable)).toEqual([]);
    expect(parseTypeFilter(null, readable)).toEqual([]);
  });
});

describe('paging', () => {
  it('reads ?page= defensively', () => {
    expect(pageFromParam(null, 20)).toBe(1);
    expect(pageFromParam('3', 20)).toBe(3);
    expect(pageFromParam('0', 20)).toBe(1);
    expect(pageFromParam('-2', 20)).toBe(1);
    expect(pageFromParam('2.5', 20)).toBe(1);
    expect(pageFromParam('999999', 20)).toBe(5001); // offset 100000 is the server's largest
    expect(offsetOf(pageFromParam('999999', 20), 20)).toBe(100_000);
  });
  it('counts pages', () => {
    expect(offsetOf(1, 20)).toBe(0);
    expect(offsetOf(3, 20)).toBe(40);
    expect(pageCount(0, 20)).toBe(1);
    expect(pageCount(20, 20)).toBe(1);
    expect(pageCount(21, 20)).toBe(2);
  });
  it('builds search addresses', () => {
    expect(searchHref('acme', 'ada smith')).toBe('/o/acme/search?q=ada+smith');
    expect(searchHref('acme', 'x', ['contact', 'lead'], 2)).toBe('/o/acme/search?q=x&type=contact%2Clead&page=2');
  });
});

describe('groupHits', () => {
  const hit = (type: SearchHit['type'], id: string): SearchHit =>
    ({ type, id, title: id, snippet: id, domain: kTypeDomain[type], score: 1 });
  it('groups by type in the order of each group’s best hit, keeping the server’s order', () => {
    const groups = groupHits([hit('employee', 'e1'), hit('contact', 'c1'), hit('employee', 'e2'), hit('lead', 'l1'), hit('contact', 'c2')]);
    expect(groups.map((g) => g.type)).toEqual(['employee', 'contact', 'lead']);
    expect(groups[0].hits.map((h) => h.id)).toEqual(['e1', 'e2']);
    expect(groups[1].hits.map((h) => h.id)).toEqual(['c1', 'c2']);
  });
  it('gives no groups for no hits', () => {
    expect(groupHits([])).toEqual([]);
  });
});
