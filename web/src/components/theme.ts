// Light, dark or the system's choice, kept in localStorage (not sensitive, survives sessions).
export type Theme = 'light' | 'dark' | 'system';
const kKey = 'readside.theme';

export function storedTheme(): Theme {
  const t = localStorage.getItem(kKey);
  return t === 'light' || t === 'dark' ? t : 'system';
}

export function resolvedTheme(t: Theme): 'light' | 'dark' {
  if (t !== 'system') return t;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(t: Theme): void {
  if (t === 'system') localStorage.removeItem(kKey);
  else localStorage.setItem(kKey, t);
  document.documentElement.dataset.theme = resolvedTheme(t);
}
