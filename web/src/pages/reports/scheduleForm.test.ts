import { describe, expect, it } from 'vitest';
import {
  cronOf, describeCron, draftFieldOf, frequencyOf, isEmail, parseRecipients, serverErrors, toScheduleRequest,
  validateDraft, type ScheduleDraft,
} from './scheduleForm';

const base: ScheduleDraft = {
  report: 'financial', type: 'pnl', parameters: {}, periodMode: 'previous_month', fixedPeriod: '2024-Q1',
  format: 'pdf', frequency: 'monthly', time: '08:00', weekday: 1, dayOfMonth: 1, cron: '',
  timezone: 'Europe/Berlin', recipients: 'cfo@acme.example', subject: '',
};

describe('cron from a frequency', () => {
  it('builds the five fields', () => {
    expect(cronOf({ ...base, frequency: 'daily', time: '07:30' })).toBe('30 7 * * *');
    expect(cronOf({ ...base, frequency: 'weekdays', time: '18:05' })).toBe('5 18 * * 1-5');
    expect(cronOf({ ...base, frequency: 'weekly', weekday: 0 })).toBe('0 8 * * 0');
    expect(cronOf({ ...base, frequency: 'monthly', dayOfMonth: 15 })).toBe('0 8 15 * *');
    expect(cronOf({ ...base, frequency: 'quarterly' })).toBe('0 8 1 1,4,7,10 *');
    expect(cronOf({ ...base, frequency: 'custom', cron: '  */15   9-17 * * MON-FRI ' })).toBe('*/15 9-17 * * MON-FRI');
  });
  it('describes the expressions it makes, and reads them back', () => {
    expect(describeCron('0 8 1 * *')).toBe('Every month on day 1 at 08:00');
    expect(describeCron('30 7 * * *')).toBe('Every day at 07:30');
    expect(describeCron('0 9 * * 1')).toBe('Every Monday at 09:00');
    expect(describeCron('0 9 * * 1-5')).toBe('Every weekday at 09:00');
    expect(describeCron('0 8 1 1,4,7,10 *')).toBe('Every quarter (Jan, Apr, Jul, Oct) on day 1 at 08:00');
    expect(describeCron('*/5 * * * *')).toBe('Every 5 minutes');
    expect(describeCron('* * * * *')).toBe('Every minute');
    expect(describeCron('15 * * * *')).toBe('Every hour at 15 past');
    expect(describeCron('0 8 * 2 *')).toBeNull();
    expect(describeCron('0 8 1 *')).toBeNull();
    for (const c of ['30 7 * * *', '0 9 * * 1', '0 9 * * 1-5', '0 8 15 * *', '0 8 1 1,4,7,10 *']) {
      expect(cronOf(frequencyOf(c))).toBe(c);
    }
    expect(frequencyOf('*/5 * * * *').frequency).toBe('custom');
  });
});

describe('recipients', () => {
  it('splits on commas, semicolons, spaces and lines', () => {
    expect(parseRecipients('a@x.io, b@x.io;c@x.io\n\n d@x.io ')).toEqual(['a@x.io', 'b@x.io', 'c@x.io', 'd@x.io']);
  });
  it('takes bare ASCII addresses only', () => {
    expect(isEmail('cfo@acme.example')).toBe(true);
    expect(isEmail('ops@localhost')).toBe(true);
    expect(isEmail('CFO <cfo@acme.example>')).toBe(false);
    expect(isEmail('no-at-sign')).toBe(false);
    expect(isEmail('a@-bad.example')).toBe(false);
  });
});

describe('validateDraft', () => {
  it('passes a good draft', () => {
    expect(validateDraft(base)).toEqual({});
  });
  it('names each bad field', () => {
    const e = validateDraft({
      ...base, periodMode: 'fixed', fixedPeriod: '2024-13x', frequency: 'custom', cron: '0 8 1 *',
      timezone: 'Mars/Olympus', recipients: 'a@x.io, A@x.io', subject: 'x\ny',
    });
    expect(Object.keys(e).sort()).toEqual(['cron', 'period', 'recipients', 'subject', 'timezone']);
    expect(e.recipients).toMatch(/twice/);
    expect(e.cron).toMatch(/five fields/);
  });
  it('wants at least one recipient and at most 100', () => {
    expect(validateDraft({ ...base, recipients: '  ' }).recipients).toMatch(/at least one/);
    const many = Array.from({ length: 101 }, (_, i) => `u${i}@x.io`).join(',');
    expect(validateDraft({ ...base, recipients: many }).recipients).toMatch(/At most 100/);
    expect(validateDraft({ ...base, recipients: 'nobody' }).recipients).toMatch(/Not an e-mail/);
  });
  it('checks the time and the subject length', () => {
    expect(validateDraft({ ...base, time: '25:00' }).cron).toBeDefined();
    expect(validateDraft({ ...base, subject: 'é'.repeat(101) }).subject).toMatch(/200 bytes/);
  });
});

describe('the request', () => {
  it('is the body of POST /reports/schedule', () => {
    expect(toScheduleRequest('acme-corp', { ...base, format: 'xlsx', parameters: { compare: 'yoy' }, subject: ' Monthly P&L ',
      recipients: 'a@x.io\nb@x.io' })).toEqual({
      organization_id: 'acme-corp', report: 'financial', type: 'pnl', period: 'previous_month', format: 'excel',
      cron: '0 8 1 * *', timezone: 'Europe/Berlin', recipients: ['a@x.io', 'b@x.io'], parameters: { compare: 'yoy' },
      subject: 'Monthly P&L',
    });
    const fixed = toScheduleRequest('acme-corp', { ...base, periodMode: 'fixed', fixedPeriod: ' 2024-Q1 ' });
    expect(fixed.period).toBe('2024-Q1');
    expect(fixed.parameters).toBeUndefined();
    expect(fixed.subject).toBeUndefined();
  });
});

describe('server field errors', () => {
  it('land on the fields they name', () => {
    expect(draftFieldOf('recipients[1]')).toBe('recipients');
    expect(draftFieldOf('/recipients/1')).toBe('recipients');
    expect(draftFieldOf('$.timezone')).toBe('timezone');
    expect(draftFieldOf('compare')).toBe('parameters');
    expect(draftFieldOf('organization_id')).toBeNull();
    const { byField, other } = serverErrors([
      { field: 'recipients[1]', message: 'repeats recipients[0]' },
      { field: 'cron', message: 'minute: 61 is out of range 0-59' },
      { field: 'organization_id', message: 'unknown' },
    ]);
    expect(byField).toEqual({ recipients: 'repeats recipients[0]', cron: 'minute: 61 is out of range 0-59' });
    expect(other).toEqual(['organization_id: unknown']);
  });
});
