import '@testing-library/dom';
import { afterEach } from 'vitest';
import { cleanup } from '@testing-library/react';

// Each test renders into a clean document.
afterEach(() => cleanup());

// jsdom has no IntersectionObserver: one that never reports keeps charts from loading ECharts
// (and from outliving a test); the chart's box is still rendered and can be checked.
if (typeof globalThis.IntersectionObserver === 'undefined') {
  globalThis.IntersectionObserver = class {
    readonly root = null;
    readonly rootMargin = '0px';
    readonly thresholds = [];
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() { return []; }
  } as unknown as typeof IntersectionObserver;
}
