/** A list of small forms (a switch's cases): add, remove and reorder entries. */
import type { ReactNode } from 'react';
import { Button } from '../components/ui';
import { type ListField, moveItem, newListItem } from './schema-form';

export function ListInput({
  field,
  value,
  onChange,
  renderItem,
}: {
  field: ListField;
  value: unknown;
  onChange: (value: unknown) => void;
  /** The entry's own form; `onItem` replaces the entry. */
  renderItem: (
    item: Record<string, unknown>,
    index: number,
    onItem: (item: Record<string, unknown>) => void,
  ) => ReactNode;
}) {
  const items: Record<string, unknown>[] = Array.isArray(value)
    ? value.map((item) =>
        typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {},
      )
    : [];
  const atMax = field.maxItems !== null && items.length >= field.maxItems;
  const noun = field.label.replace(/s$/i, '').toLowerCase();
  return (
    <div className="list-input" data-list={field.key}>
      {items.map((item, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: entries are edited in place; their ids may change while typed
        <div className="list-item" key={index} data-list-item={index}>
          <div className="list-item-head">
            <span className="list-item-title">
              {index + 1}.{' '}
              {typeof item.label === 'string' && item.label !== '' ? item.label : `${noun} ${index + 1}`}
            </span>
            <Button
              small
              variant="ghost"
              aria-label={`Move ${noun} ${index + 1} up`}
              disabled={index === 0}
              onClick={() => onChange(moveItem(items, index, index - 1))}
            >
              ↑
            </Button>
            <Button
              small
              variant="ghost"
              aria-label={`Move ${noun} ${index + 1} down`}
              disabled={index === items.length - 1}
              onClick={() => onChange(moveItem(items, index, index + 1))}
            >
              ↓
            </Button>
            <Button
              small
              variant="ghost"
              aria-label={`Remove ${noun} ${index + 1}`}
              onClick={() => {
                const next = items.filter((_, i) => i !== index);
                onChange(next.length === 0 ? undefined : next);
              }}
            >
              ×
            </Button>
          </div>
          {renderItem(item, index, (next) => onChange(items.map((old, i) => (i === index ? next : old))))}
        </div>
      ))}
      <Button
        small
        variant="ghost"
        disabled={atMax}
        onClick={() => onChange([...items, newListItem(field, items)])}
      >
        + Add {noun}
      </Button>
    </div>
  );
}
