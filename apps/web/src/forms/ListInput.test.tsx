// @vitest-environment happy-dom
import { nodeCatalog } from '@weft/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fire, type Rendered, render, typeInto } from '../test/render';
import { type FormContext, SchemaForm } from './SchemaForm';
import { formFields } from './schema-form';

const entry = nodeCatalog().find((e) => e.type === 'switch')!;
const fields = formFields(entry.configJsonSchema, { rawFields: entry.rawExpressionFields });
const context: FormContext = { expressions: true, completion: { upstream: [] }, apps: [], connections: [] };
const cases = [
  { id: 'large', label: 'Large', expression: 'input.total > 100' },
  { id: 'eu', label: 'EU', expression: 'input.eu' },
];

let rendered: Rendered | null = null;
afterEach(() => {
  rendered?.unmount();
  rendered = null;
});

function renderForm(value: Record<string, unknown>, problems = new Map<string, string[]>()) {
  const onChange = vi.fn();
  rendered = render(
    <SchemaForm fields={fields} value={value} onChange={onChange} problems={problems} context={context} />,
  );
  const button = (label: string) =>
    rendered!.container.querySelector<HTMLButtonElement>(`button[aria-label="${label}"]`)!;
  return { onChange, button, container: rendered.container };
}

describe('the switch cases form', () => {
  it('reorders, removes and adds cases, each with its own fields', () => {
    const { onChange, button, container } = renderForm({ cases });
    expect([...container.querySelectorAll('.list-item-title')].map((el) => el.textContent)).toEqual([
      '1. Large',
      '2. EU',
    ]);
    expect(button('Move case 1 up').disabled).toBe(true);

    fire(button('Move case 2 up'), new MouseEvent('click', { bubbles: true }));
    expect(onChange).toHaveBeenLastCalledWith({ cases: [cases[1], cases[0]] }, 'cases');
    fire(button('Remove case 1'), new MouseEvent('click', { bubbles: true }));
    expect(onChange).toHaveBeenLastCalledWith({ cases: [cases[1]] }, 'cases');
    const add = [...container.querySelectorAll('button')].find((b) => b.textContent === '+ Add case')!;
    fire(add, new MouseEvent('click', { bubbles: true }));
    expect(onChange).toHaveBeenLastCalledWith(
      { cases: [...cases, { id: 'case_3', label: 'Case 3' }] },
      'cases',
    );

    const expression = container.querySelector<HTMLTextAreaElement>(
      '[data-list-item="1"] [data-field="expression"] textarea',
    )!;
    typeInto(expression, 'input.country = "DE"');
    expect(onChange).toHaveBeenLastCalledWith(
      { cases: [cases[0], { ...cases[1], expression: 'input.country = "DE"' }] },
      'cases',
    );
  });

  it('shows an entry’s problem under its own field', () => {
    const { container } = renderForm(
      { cases: [cases[0], { ...cases[1], id: 'large' }] },
      new Map([['cases.1.id', ['case id "large" is already used by case 1; case ids must be unique']]]),
    );
    expect(container.querySelector('[data-list-item="1"] [data-field="id"] .field-error')?.textContent).toBe(
      'case id "large" is already used by case 1; case ids must be unique',
    );
    expect(container.querySelector('[data-list-item="0"] .field-error')).toBeNull();
  });
});
