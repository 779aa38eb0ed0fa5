import { rmSync } from 'node:fs';
import { state } from './state';

export default async function globalTeardown(): Promise<void> {
  const s = state();
  try { process.kill(s.pid, 'SIGTERM'); } catch { /* already gone */ }
  if (s.mailPid) try { process.kill(s.mailPid, 'SIGTERM'); } catch { /* already gone */ }
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    try { process.kill(s.pid, 0); } catch { break; }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!process.env.READSIDE_E2E_KEEP) rmSync(s.dir, { recursive: true, force: true });
}
