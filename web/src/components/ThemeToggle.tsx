import { useState } from 'react';
import { applyTheme, resolvedTheme, storedTheme } from './theme';
import { Icon } from './Icon';

export function ThemeToggle() {
  const [theme, setTheme] = useState(() => resolvedTheme(storedTheme()));
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button className="btn btn-ghost btn-icon" aria-label={`Switch to ${next} mode`} title={`Switch to ${next} mode`}
            onClick={() => { applyTheme(next); setTheme(next); }}>
      <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
    </button>
  );
}
