// @vitest-environment happy-dom
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { fire, type Rendered, render, typeInto } from '../test/render';
import { ExpressionInput } from './ExpressionInput';

const source = {
  upstream: [
    { id: 'call', title: 'HTTP request' },
    { id: 'webhook', title: 'Webhook' },
  ],
};

function Controlled({ initial, onValue }: { initial: string; onValue?: (value: string) => void }) {
  const [value, setValue] = useState(initial);
  return (
    <ExpressionInput
      value={value}
      mode="template"
      source={source}
      onChange={(next) => {
        setValue(next);
        onValue?.(next);
      }}
    />
  );
}

let rendered: Rendered | null = null;
afterEach(() => {
  rendered?.unmount();
  rendered = null;
});

describe('ExpressionInput', () => {
  it('highlights expressions and node references, and warns about nodes that are not upstream', () => {
    rendered = render(<Controlled initial="Order {{ nodes.call.body.id }} by {{ nodes.later }}" />);
    const { container } = rendered;
    expect(container.querySelector('.tok-node-ref')?.textContent).toBe('nodes.call');
    expect(container.querySelector('.tok-unknown-ref')?.textContent).toBe('nodes.later');
    expect(container.querySelectorAll('.tok-brace')).toHaveLength(4);
    expect(container.querySelector('.field-warning')?.textContent).toMatch(/nodes\.later is not upstream/);
  });

  it('closes {{ as it is typed and completes upstream node ids', () => {
    let last = '';
    rendered = render(<Controlled initial="" onValue={(value) => (last = value)} />);
    const field = rendered.container.querySelector('textarea')!;
    typeInto(field, 'Hi {{', '{');
    expect(last).toBe('Hi {{  }}');
    typeInto(field, 'Hi {{ nodes.', '.');
    const options = [...rendered.container.querySelectorAll('[role="option"] .completion-label')].map((o) => o.textContent);
    expect(options).toEqual(['call', 'webhook']);
    fire(field, new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    fire(field, new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(last).toBe('Hi {{ nodes.webhook');
    expect(rendered.container.querySelector('.tok-node-ref')?.textContent).toBe('nodes.webhook');
  });
});
