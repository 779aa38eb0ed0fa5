import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The app is served by the readside binary itself (docs/web.md): hashed assets under /assets/,
// index.html with no-cache. `npm run dev` proxies the API to a local readside on :8080.
const api = process.env.READSIDE_URL ?? 'http://127.0.0.1:8080';
const apiPrefixes = ['/analytics', '/dashboards', '/dashboard-templates', '/reports', '/search',
  '/events', '/admin', '/tenants', '/health', '/metrics', '/openapi.json', '/docs'];

export default defineConfig({
  plugins: [react()],
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
  },
});
