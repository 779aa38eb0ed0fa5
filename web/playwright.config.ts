// End-to-end tests in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core through @playwright/test) against a real readside serving the built app
// with simulator data. e2e/global-setup.ts starts and seeds the server; see docs/web.md.
import { defineConfig } from '@playwright/test';

export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export default defineConfig({
  testDir: 'e2e',
  testMatch: /.*\.spec\.ts/,
  workers: 1,
  fullyParallel: false,
  timeout: 45_000,
  expect: { timeout: 10_000 },
  retries: 0,
  reporter: [['list']],
  outputDir: process.env.E2E_OUTPUT_DIR ?? '/tmp/readside-e2e-results',
  globalSetup: './e2e/global-setup.ts',
  globalTeardown: './e2e/global-teardown.ts',
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    launchOptions: { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: chromiumArgs },
    acceptDownloads: true,
    trace: 'off',
  },
});
