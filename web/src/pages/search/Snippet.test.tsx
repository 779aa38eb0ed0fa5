import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from '@testing-library/react';
import { Snippet } from './Snippet';

afterEach(cleanup);

describe('<Snippet>', () => {
  it('renders matches in <mark> and never interprets other markup', () => {
    const { container } = render(
      <Snippet html={'&lt;img src=x onerror=alert(1)&gt; <mark>Smith</mark> <img src=y>'} />,
    );
    expect(container.querySelectorAll('img')).toHaveLength(0);
    const marks = container.querySelectorAll('mark');
    expect(marks).toHaveLength(1);
    expect(marks[0].textContent).toBe('Smith');
    expect(container.textContent).toBe('<img src=x onerror=alert(1)> Smith <img src=y>');
  });
});
