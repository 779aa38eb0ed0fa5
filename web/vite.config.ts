import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

// Writes a .gz beside every text asset; the server sends it to clients that accept gzip
// (docs/web.md "Caching and compression"), so nothing is compressed per request.
function gzipSiblings(): Plugin {
  let outDir = 'dist';
  return {
    name: 'readside-gzip-siblings',
    apply: 'build',
    configResolved(c) { outDir = c.build.outDir; },
    writeBundle(_options, bundle) {
      for (const file of [...Object.keys(bundle), 'favicon.svg']) {
        if (!/\.(js|css|html|svg|json)$/.test(file)) continue;
        const full = path.resolve(outDir, file);
        const data = readFileSync(full);
        if (data.length >= 1024) writeFileSync(`${full}.gz`, gzipSync(data, { level: 9 }));
      }
    },
  };
}

// The app is served by the readside binary itself (docs/web.md): hashed assets under /assets/,
// index.html with no-cache. `npm run dev` proxies the API to a local readside on :8080.
const api = process.env.READSIDE_URL ?? 'http://127.0.0.1:8080';
const apiPrefixes = ['/analytics', '/dashboards', '/dashboard-templates', '/reports', '/search',
  '/events', '/admin', '/tenants', '/health', '/metrics', '/openapi.json', '/docs'];

export default defineConfig({
  plugins: [react(), gzipSiblings()],
  build: {
    outDir: 'dist',
    target: 'es2022',
    // No inline scripts or styles: the CSP allows only 'self' (web.md).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: Object.fromEntries(apiPrefixes.map((p) => [p, { target: api, ws: true }])),
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    // jsdom renders of whole pages take seconds on a loaded 2-core machine (make test runs
    // ctest -j2 beside other builds): a timeout is not what these tests check.
    testTimeout: 30_000,
  },
});
