import { describe, expect, it } from 'vitest';
import { inOwnTask } from './tasks';

const tasksLater = () => new Promise((r) => setTimeout(r, 50));

describe('work in tasks of its own', () => {
  it('runs later, in order, one piece per task (microtasks run between two pieces)', async () => {
    const log: string[] = [];
    inOwnTask(() => { log.push('a'); queueMicrotask(() => log.push('after a')); });
    inOwnTask(() => log.push('b'));
    expect(log).toEqual([]);
    await tasksLater();
    expect(log).toEqual(['a', 'after a', 'b']);
  });

  it('takes work queued while it runs, after what was queued before', async () => {
    const log: string[] = [];
    inOwnTask(() => { log.push('first'); inOwnTask(() => log.push('queued by first')); });
    inOwnTask(() => log.push('second'));
    await tasksLater();
    expect(log).toEqual(['first', 'second', 'queued by first']);
  });

  it("runs a piece queued 'soon' before the 'later' ones not yet started", async () => {
    const log: string[] = [];
    inOwnTask(() => { log.push('first'); inOwnTask(() => log.push('request'), 'soon'); });
    inOwnTask(() => log.push('warm-up'));
    await tasksLater();
    expect(log).toEqual(['first', 'request', 'warm-up']);
  });
});
