import { applyTheme, useTheme } from './theme';
import { Icon } from './Icon';

export function ThemeToggle() {
  const theme = useTheme();
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button className="btn btn-ghost btn-icon" aria-label={`Switch to ${next} mode`} title={`Switch to ${next} mode`}
            onClick={() => applyTheme(next)}>
      <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
    </button>
  );
}
