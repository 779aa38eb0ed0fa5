import { describe, expect, it } from 'vitest';
import { ago, formatValue } from './number';

describe('formatValue', () => {
  it('formats money in the tenant currency and the reader locale', () => {
    expect(formatValue(1234.5, 'money', { locale: 'en-US', currency: 'USD' })).toBe('$1,234.50');
    expect(formatValue(1234.5, 'money', { locale: 'de-DE', currency: 'EUR' })).toBe('1.234,50\u00a0€');
    expect(formatValue(1234.5, 'money', { locale: 'en-US', currency: 'JPY' })).toBe('¥1,235');
    expect(formatValue(1.2345, 'money', { locale: 'en-US', currency: 'KWD' })).toBe('KWD 1.235');
  });

  it('shows ratios as percent when asked and null as a dash', () => {
    expect(formatValue(0.256, 'percent', { locale: 'en-US', currency: 'USD' })).toBe('25.6%');
    expect(formatValue(null, 'money', { locale: 'en-US', currency: 'USD' })).toBe('—');
    expect(formatValue(1.5, 'ratio', { locale: 'en-US', currency: 'USD' })).toBe('1.5');
  });

  it('compacts large numbers only when asked', () => {
    expect(formatValue(1_250_000, 'count', { locale: 'en-US', currency: 'USD' })).toBe('1,250,000');
    expect(formatValue(1_250_000, 'count', { locale: 'en-US', currency: 'USD' }, true)).toBe('1.3M');
  });

  it('compacts every label of an axis alike, small values included', () => {
    const usd = { locale: 'en-US', currency: 'USD' };
    expect([0, 250, 500_000, 1_500_000].map((v) => formatValue(v, 'money', usd, true))).toEqual(['$0', '$250', '$500K', '$1.5M']);
    expect(formatValue(-300_000, 'money', usd, true)).toBe('-$300K');
    expect(formatValue(12.5, 'money', usd, true)).toBe('$12.5');
    expect([0, 500, 2_000].map((v) => formatValue(v, 'count', usd, true))).toEqual(['0', '500', '2K']);
    expect(formatValue(0, 'money', { locale: 'de-DE', currency: 'EUR' }, true).replace(/\s/g, ' ')).toBe('0 €');
  });
});

describe('ago', () => {
  it('says how long ago in seconds, minutes and hours', () => {
    const now = Date.parse('2024-01-01T12:00:00Z');
    expect(ago('2024-01-01T11:59:57Z', now, 'en')).toBe('3s ago');
    expect(ago('2024-01-01T11:55:00Z', now, 'en')).toBe('5m ago');
    expect(ago('2024-01-01T09:00:00Z', now, 'en')).toBe('3h ago');
    expect(ago(null, now)).toBe('no data yet');
  });
});
