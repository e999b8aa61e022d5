/** An app's search keys: named expressions evaluated on each delivery, whose values make its deliveries and runs searchable. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { describeError } from '../api/errors';
import { useTRPC } from '../api/trpc';
import type { App, SearchKeyDefinitionInput } from '../api/types';
import { Button, InlineError, useToast } from '../components/ui';

/** The app declares at most this many (the api refuses more, saying so). */
const MAX_KEYS = 10;

export function SearchKeySettings({ app }: { app: App }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [keys, setKeys] = useState<SearchKeyDefinitionInput[]>(app.searchKeys);
  const update = useMutation(trpc.apps.update.mutationOptions());
  const info = update.error ? describeError(update.error) : null;
  const issueAt = (index: number, field: 'name' | 'expression') =>
    info?.fieldIssues.find((issue) => issue.path === `searchKeys[${index}].${field}`)?.message;
  const listIssue = info?.fieldIssues.find((issue) => issue.path === 'searchKeys')?.message;
  const dirty = JSON.stringify(keys) !== JSON.stringify(app.searchKeys);
  const change = (index: number, next: Partial<SearchKeyDefinitionInput>) =>
    setKeys((current) => current.map((key, i) => (i === index ? { ...key, ...next } : key)));
  const save = async () => {
    try {
      await update.mutateAsync({ id: app.id, searchKeys: keys });
      void queryClient.invalidateQueries({ queryKey: trpc.apps.pathKey() });
      toast('Search keys saved', 'ok');
    } catch {
      // shown below
    }
  };
  return (
    <section className="section" aria-label="Search keys">
      <h2>Search keys</h2>
      <p className="muted small">
        Up to {MAX_KEYS} named expressions over each delivery (<code>body</code>, <code>headers</code>), e.g.{' '}
        <code>body.data.object.customer</code>. Their values are stored with the delivery and its runs, so
        both can be searched by them. A key that fails on a delivery stores nothing; the delivery is accepted
        all the same.
      </p>
      {keys.map((key, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; their names may repeat while typed
        <div className="search-key-row" key={index} data-testid="search-key-row">
          <input
            aria-label={`Search key ${index + 1} name`}
            placeholder="name"
            value={key.name}
            onChange={(event) => change(index, { name: event.target.value })}
          />
          <input
            aria-label={`Search key ${index + 1} expression`}
            placeholder="body.data.object.customer"
            className="mono"
            value={key.expression}
            onChange={(event) => change(index, { expression: event.target.value })}
          />
          <Button
            small
            variant="ghost"
            onClick={() => setKeys((current) => current.filter((_, i) => i !== index))}
          >
            Remove
          </Button>
          {issueAt(index, 'name') || issueAt(index, 'expression') ? (
            <div className="field-error" role="alert">
              {issueAt(index, 'name') ?? issueAt(index, 'expression')}
            </div>
          ) : null}
        </div>
      ))}
      {listIssue ? (
        <div className="field-error" role="alert">
          {listIssue}
        </div>
      ) : null}
      {info && info.fieldIssues.length === 0 ? <InlineError error={update.error} /> : null}
      <div className="page-actions">
        <Button
          small
          disabled={keys.length >= MAX_KEYS}
          onClick={() => setKeys((current) => [...current, { name: '', expression: '' }])}
        >
          Add search key
        </Button>
        <Button variant="primary" disabled={!dirty} busy={update.isPending} onClick={() => void save()}>
          Save search keys
        </Button>
      </div>
    </section>
  );
}
