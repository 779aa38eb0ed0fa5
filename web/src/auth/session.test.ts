import { beforeEach, describe, expect, it } from 'vitest';
import { consumeTokenFragment, isExpired, loadSession, organizations, parseToken, saveToken, signOut, takeNotice } from './session';
import { canRead, canReadCross, canReadMetric, readableDomains } from './roles';
import { fakeToken as token } from './fakeToken';

const future = Math.floor(Date.now() / 1000) + 3600;

describe('tokens', () => {
  beforeEach(() => sessionStorage.clear());

  it('reads the claims the app uses', () => {
    const c = parseToken(token({ sub: 'ann', orgs: ['acme', 'globex'], roles: ['sales'], exp: future }));
    expect(typeof c).toBe('object');
    if (typeof c === 'string') return;
    expect(organizations(c)).toEqual(['acme', 'globex']);
    expect(c.roles).toEqual(['sales']);
  });

  it('explains what is wrong with a bad token', () => {
    expect(parseToken('hello')).toMatch(/three parts/);
    expect(parseToken('a.!!!.c')).toMatch(/could not be read/);
    expect(parseToken(token({ roles: ['admin'] }))).toMatch(/no organization/);
    expect(saveToken(token({ org: 'acme', roles: [], exp: 1000 }))).toMatch(/expired/);
    expect(sessionStorage.length).toBe(0);
  });

  it("is the stored token's session, parsed once per token", () => {
    const sales = token({ org: 'acme', roles: ['sales'], exp: future });
    saveToken(sales);
    expect(loadSession()?.claims.roles).toEqual(['sales']);
    expect(loadSession()).toBe(loadSession());
    saveToken(token({ org: 'acme', roles: ['admin'], exp: future }));
    expect(loadSession()?.claims.roles).toEqual(['admin']);
    sessionStorage.setItem('readside.token', 'not-a-token');
    expect(loadSession()).toBeNull();
  });

  it('stores a token in sessionStorage only and forgets it on sign-out with a notice', () => {
    const t = token({ org: 'acme', roles: ['admin'], exp: future });
    expect(typeof saveToken(t)).toBe('object');
    expect(loadSession()?.token).toBe(t);
    expect(document.cookie).toBe('');
    signOut('expired');
    expect(loadSession()).toBeNull();
    expect(takeNotice()).toBe('expired');
    expect(takeNotice()).toBeNull();
  });

  it('takes the token from the #token= fragment and removes it from the address', () => {
    const t = token({ org: 'acme', roles: ['admin'], exp: future });
    history.replaceState(null, '', `/somewhere?x=1#token=${t}`);
    const s = consumeTokenFragment();
    expect(typeof s).toBe('object');
    expect(window.location.hash).toBe('');
    expect(window.location.pathname + window.location.search).toBe('/somewhere?x=1');
    expect(loadSession()?.token).toBe(t);
  });

  it('judges expiry by exp', () => {
    expect(isExpired({ roles: [], exp: 10 }, 11_000)).toBe(true);
    expect(isExpired({ roles: [], exp: 10 }, 9_000)).toBe(false);
    expect(isExpired({ roles: [] })).toBe(false);
  });
});

describe('roles', () => {
  it('maps roles to domains as api.md says', () => {
    expect(readableDomains(['sales'])).toEqual(['crm']);
    expect(readableDomains(['analyst'])).toEqual(['crm', 'finance', 'inventory', 'projects']);
    expect(readableDomains(['admin'])).toHaveLength(5);
    expect(canRead(['hr'], 'finance')).toBe(false);
    expect(canReadCross(['sales'])).toBe(false);
    expect(canReadCross(['admin'])).toBe(true);
    // Cross metrics need all their sources: hr + sales reads none of them, an analyst two.
    expect(canReadCross(['hr', 'sales'])).toBe(false);
    expect(canReadCross(['analyst'])).toBe(true);
    expect(canReadMetric(['analyst'], 'cross', 'revenue_per_employee')).toBe(false);
    expect(canReadMetric(['analyst'], 'cross', 'pipeline_coverage')).toBe(true);
    expect(canReadMetric(['hr', 'finance'], 'cross', 'revenue_per_employee')).toBe(true);
  });
});
