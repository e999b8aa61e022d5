// @vitest-environment happy-dom
import { nodeCatalog } from '@weft/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fire, type Rendered, render, typeInto } from '../test/render';
import { type FormContext, SchemaForm } from './SchemaForm';
import { formFields } from './schema-form';

const http = nodeCatalog().find((entry) => entry.type === 'http.request')!;
const fields = formFields(http.configJsonSchema, { rawFields: http.rawExpressionFields });
const context: FormContext = {
  expressions: true,
  completion: { upstream: [] },
  apps: [],
  connections: [{ id: '0123456789abcdef01234567', label: 'Token', group: 'Acme' }],
  example: http.exampleConfig,
};

let rendered: Rendered | null = null;
afterEach(() => {
  rendered?.unmount();
  rendered = null;
});

describe('SchemaForm', () => {
  it('renders a field per property with its messages', () => {
    rendered = render(
      <SchemaForm
        fields={fields}
        value={{ timeoutMs: 50 }}
        onChange={() => {}}
        problems={new Map([
          ['url', ['url must be an absolute http(s) URL']],
          ['timeoutMs', ['Too small: expected number to be >=100']],
        ])}
        context={context}
      />,
    );
    const field = (key: string) => rendered!.container.querySelector(`[data-field="${key}"]`)!;
    expect(field('url').querySelector('.field-error')?.textContent).toBe('Required');
    expect(field('timeoutMs').querySelector('.field-error')?.textContent).toMatch(/>=100/);
    expect((field('timeoutMs').querySelector('input') as HTMLInputElement).value).toBe('50');
    expect(field('method').querySelector('select')?.textContent).toContain('Default (GET)');
    expect(field('connectionId').querySelector('select')?.textContent).toContain('Acme · Token');
    expect(field('auth').querySelector('legend')?.textContent).toBe('Auth');
    expect(field('url').querySelector('textarea')?.getAttribute('placeholder')).toBe('e.g. https://api.example.com/orders');
  });

  it('reports changes with the field that changed', () => {
    const onChange = vi.fn();
    rendered = render(<SchemaForm fields={fields} value={{ url: 'https://x' }} onChange={onChange} problems={new Map()} context={context} />);
    const select = rendered.container.querySelector('[data-field="method"] select') as HTMLSelectElement;
    select.value = 'POST';
    fire(select, new Event('change', { bubbles: true }));
    expect(onChange).toHaveBeenLastCalledWith({ url: 'https://x', method: 'POST' }, 'method');

    const timeout = rendered.container.querySelector('[data-field="timeoutMs"] input') as HTMLInputElement;
    typeInto(timeout, 'abc');
    expect(rendered.container.querySelector('[data-field="timeoutMs"] .field-error')?.textContent).toMatch(/Enter a number/);
    typeInto(timeout, '2500');
    expect(onChange).toHaveBeenLastCalledWith({ url: 'https://x', timeoutMs: 2500 }, 'timeoutMs');

    const auth = rendered.container.querySelector('[data-field="auth"] select') as HTMLSelectElement;
    auth.value = 'header';
    fire(auth, new Event('change', { bubbles: true }));
    expect(onChange).toHaveBeenLastCalledWith({ url: 'https://x', auth: { kind: 'header' } }, 'auth');
  });

  it('offers pagination as an optional group: none until a mode is chosen, then its fields', () => {
    const onChange = vi.fn();
    rendered = render(<SchemaForm fields={fields} value={{ url: 'https://x' }} onChange={onChange} problems={new Map()} context={context} />);
    const mode = rendered.container.querySelector('[data-field="pagination"] select') as HTMLSelectElement;
    expect(mode.value).toBe('');
    expect([...mode.options].map((o) => o.value)).toEqual(['', 'nextLink', 'cursor', 'page', 'offset']);
    // Auth has a default: no "none" to choose.
    const auth = rendered.container.querySelector('[data-field="auth"] select') as HTMLSelectElement;
    expect([...auth.options].map((o) => o.value)).toEqual(['none', 'bearer', 'basic', 'header', 'oauth2']);
    mode.value = 'cursor';
    fire(mode, new Event('change', { bubbles: true }));
    expect(onChange).toHaveBeenLastCalledWith({ url: 'https://x', pagination: { mode: 'cursor' } }, 'pagination');

    rendered.unmount();
    rendered = render(
      <SchemaForm
        fields={fields}
        value={{ url: 'https://x', pagination: { mode: 'cursor' } }}
        onChange={onChange}
        problems={new Map([['pagination.cursor', ['pagination.cursor is required']]])}
        context={context}
      />,
    );
    const cursor = rendered.container.querySelector('[data-field="pagination.cursor"]')!;
    expect(cursor.querySelector('.field-error')?.textContent).toBe('Required');
    expect(rendered.container.querySelector('[data-field="pagination.items"] textarea')).not.toBeNull();
    const none = rendered.container.querySelector('[data-field="pagination"] select') as HTMLSelectElement;
    none.value = '';
    fire(none, new Event('change', { bubbles: true }));
    expect(onChange).toHaveBeenLastCalledWith({ url: 'https://x' }, 'pagination');
  });
});
