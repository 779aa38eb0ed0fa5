// Light, dark or the system's choice, kept in localStorage (not sensitive, survives sessions).
// `useTheme()` re-renders what depends on the theme (chart colours) when the user toggles it
// or, when following the system, when the system's preference changes.
import { useSyncExternalStore } from 'react';

export type Theme = 'light' | 'dark' | 'system';
const kKey = 'readside.theme';
const listeners = new Set<() => void>();

export function storedTheme(): Theme {
  const t = localStorage.getItem(kKey);
  return t === 'light' || t === 'dark' ? t : 'system';
}

function systemDark(): boolean {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
}

export function resolvedTheme(t: Theme): 'light' | 'dark' {
  if (t !== 'system') return t;
  return systemDark() ? 'dark' : 'light';
}

export function applyTheme(t: Theme): void {
  if (t === 'system') localStorage.removeItem(kKey);
  else localStorage.setItem(kKey, t);
  document.documentElement.dataset.theme = resolvedTheme(t);
  listeners.forEach((l) => l());
}

// Follow the system while the user has not chosen.
window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => {
  if (storedTheme() === 'system') applyTheme('system');
});

function subscribe(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

const current = (): 'light' | 'dark' => (document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light');

/** The theme in use; components re-render when it changes. */
export function useTheme(): 'light' | 'dark' {
  return useSyncExternalStore(subscribe, current, () => 'light');
}
