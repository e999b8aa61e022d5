/** Rendering React components in a DOM (happy-dom) for component tests, without extra libraries. */
import { act, type ReactElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface Rendered {
  readonly container: HTMLElement;
  rerender(element: ReactElement): void;
  unmount(): void;
}

export function render(element: ReactElement): Rendered {
  const container = document.createElement('div');
  document.body.append(container);
  let root: Root;
  act(() => {
    root = createRoot(container);
    root.render(element);
  });
  return {
    container,
    rerender: (next) => act(() => root.render(next)),
    unmount: () => {
      act(() => root.unmount());
      container.remove();
    },
  };
}

/** Types into a text field as React sees it: the value changes and an input event fires. */
export function typeInto(field: HTMLInputElement | HTMLTextAreaElement, value: string, data: string | null = null) {
  const prototype = field instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(prototype, 'value')?.set;
  act(() => {
    setter?.call(field, value);
    field.setSelectionRange(value.length, value.length);
    field.dispatchEvent(new InputEvent('input', { bubbles: true, data }));
  });
}

export function fire(element: Element, event: Event) {
  act(() => {
    element.dispatchEvent(event);
  });
}
