import { readFileSync } from 'node:fs';

export interface E2EState {
  base: string;
  pid: number;
  mailPid?: number;  // the screenshots' SMTP sink (SCREENSHOTS=1), stopped with the server
  dir: string;
  bin: string;
  secret: string;
  tokens: { admin: string; ingest: string; sales: string; expired: string };
}

export function state(): E2EState {
  const file = process.env.READSIDE_E2E_STATE;
  if (!file) throw new Error('READSIDE_E2E_STATE is not set: run through playwright.config.ts');
  return JSON.parse(readFileSync(file, 'utf8')) as E2EState;
}
