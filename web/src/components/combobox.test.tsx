import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { complete, useCombobox, type Completion } from './combobox';

const kItems: Completion[] = [{ text: 'walter', type: 'contact' }, { text: 'walnut', type: 'product' }];

/** A field over fixed completions, shown while the combobox is open and the text is not empty. */
function Field({ take, openOnFocus = false }: { take: (q: string, type?: string) => void; openOnFocus?: boolean }) {
  const box = useCombobox<Completion>('f', 'acme wal', { openOnFocus });
  const items = box.open && box.q ? kItems : [];
  const b = box.bind(items, take);
  return (
    <form onSubmit={b.onSubmit}>
      <label htmlFor={b.input.id}>Search</label>
      <input type="search" {...b.input} />
      <ul {...b.list}>{items.map((s, i) => <li key={s.text} {...b.option(i)}>{s.text}</li>)}</ul>
    </form>
  );
}

describe('complete', () => {
  it('replaces the last word only', () => {
    expect(complete('acme wal', 'walter')).toBe('acme walter');
    expect(complete('wal', 'walter')).toBe('walter');
    expect(complete('acme ', 'walter')).toBe('acme walter');
  });
});

describe('useCombobox', () => {
  it('opens as one types; arrows choose; Enter takes the chosen completion with its type', () => {
    const take = vi.fn();
    render(<Field take={take} />);
    const input = screen.getByRole('combobox');
    expect(input.getAttribute('aria-expanded')).toBe('false');
    fireEvent.change(input, { target: { value: 'acme wa' } });
    expect(input.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getAllByRole('option')).toHaveLength(2);
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    fireEvent.keyDown(input, { key: 'ArrowDown' });  // stays on the last
    expect(input.getAttribute('aria-activedescendant')).toBe('f-opt-1');
    expect(screen.getAllByRole('option')[1].getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(input.getAttribute('aria-activedescendant')).toBe('f-opt-0');
    fireEvent.submit(input.closest('form')!);
    expect(take).toHaveBeenCalledWith('acme walter', 'contact');
    expect(input.getAttribute('aria-expanded')).toBe('false');
  });

  it('Enter with nothing chosen takes the text as typed', () => {
    const take = vi.fn();
    render(<Field take={take} />);
    const input = screen.getByRole('combobox');
    fireEvent.change(input, { target: { value: 'walter stream' } });
    fireEvent.submit(input.closest('form')!);
    expect(take).toHaveBeenCalledWith('walter stream', undefined);
  });

  it('Escape closes an open list, and leaves the key alone when none is open', () => {
    render(<Field take={vi.fn()} />);
    const input = screen.getByRole('combobox');
    fireEvent.change(input, { target: { value: 'wal' } });
    expect(fireEvent.keyDown(input, { key: 'Escape' })).toBe(false);  // default prevented
    expect(input.getAttribute('aria-expanded')).toBe('false');
    expect(fireEvent.keyDown(input, { key: 'Escape' })).toBe(true);   // the field's own Escape
  });

  it('a click on a completion takes it; focus opens the list only where asked', () => {
    const take = vi.fn();
    const { unmount } = render(<Field take={take} />);
    fireEvent.focus(screen.getByRole('combobox'));
    expect(screen.getByRole('combobox').getAttribute('aria-expanded')).toBe('false');
    unmount();
    render(<Field take={take} openOnFocus />);
    fireEvent.focus(screen.getByRole('combobox'));
    expect(screen.getByRole('combobox').getAttribute('aria-expanded')).toBe('true');
    fireEvent.mouseDown(screen.getByText('walnut'));
    expect(take).toHaveBeenCalledWith('acme walnut', 'product');
  });
});
