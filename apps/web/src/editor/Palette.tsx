/** The node palette: every type of the registry catalog, grouped; drag onto the canvas or click to add. */
import { useMemo, useState } from 'react';
import type { CatalogEntry } from '../api/types';

export const DRAG_TYPE = 'application/x-weft-node-type';

const CATEGORY_ORDER = ['trigger', 'action', 'data', 'logic', 'flow'];
const CATEGORY_LABEL: Record<string, string> = {
  trigger: 'Triggers',
  action: 'Actions',
  data: 'Data',
  logic: 'Logic',
  flow: 'Flow',
};

export function Palette({ catalog, onAdd }: { catalog: readonly CatalogEntry[]; onAdd: (type: string) => void }) {
  const [filter, setFilter] = useState('');
  const groups = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const matching = catalog.filter(
      (entry) =>
        needle === '' ||
        entry.title.toLowerCase().includes(needle) ||
        entry.type.includes(needle) ||
        entry.description.toLowerCase().includes(needle),
    );
    const byCategory = new Map<string, CatalogEntry[]>();
    for (const entry of matching) byCategory.set(entry.category, [...(byCategory.get(entry.category) ?? []), entry]);
    const rank = (category: string) => {
      const index = CATEGORY_ORDER.indexOf(category);
      return index < 0 ? CATEGORY_ORDER.length : index;
    };
    return [...byCategory.entries()].sort(([a], [b]) => rank(a) - rank(b));
  }, [catalog, filter]);
  return (
    <aside className="palette" aria-label="Nodes">
      <input
        type="search"
        className="palette-search"
        placeholder="Find a node…"
        value={filter}
        onChange={(event) => setFilter(event.target.value)}
      />
      {groups.length === 0 ? <div className="muted small">No node matches.</div> : null}
      {groups.map(([category, entries]) => (
        <section key={category} className="palette-group">
          <h3>{CATEGORY_LABEL[category] ?? category}</h3>
          {entries.map((entry) => (
            <button
              type="button"
              key={entry.type}
              className={`palette-item cat-${entry.category}`}
              draggable
              data-node-type={entry.type}
              title={`${entry.description}\nDrag onto the canvas, or click to add.`}
              onDragStart={(event) => {
                event.dataTransfer.setData(DRAG_TYPE, entry.type);
                event.dataTransfer.effectAllowed = 'move';
              }}
              onClick={() => onAdd(entry.type)}
            >
              <span className="node-icon" aria-hidden />
              <span>{entry.title}</span>
            </button>
          ))}
        </section>
      ))}
    </aside>
  );
}
