/** Search a list by one of the apps' search keys: the key (declared on an app) and the exact value it had. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../api/trpc';
import type { SearchParams } from '../app/routes';
import { Button } from '../components/ui';

export function SearchKeyFilter({
  search,
  onChange,
  appId,
}: {
  search: SearchParams | null;
  onChange: (next: SearchParams | null) => void;
  /** Only this app's keys; every app's when null. */
  appId?: string | null;
}) {
  const trpc = useTRPC();
  const apps = useQuery(trpc.apps.list.queryOptions());
  const names = [
    ...new Set(
      (apps.data ?? [])
        .filter((app) => !appId || app.id === appId)
        .flatMap((app) => app.searchKeys.map((key) => key.name)),
    ),
  ].sort();
  const [key, setKey] = useState(search?.key ?? '');
  const [value, setValue] = useState(search?.value ?? '');
  if (names.length === 0 && !search) return null;
  const chosen = key || names[0] || '';
  return (
    <form
      className="search-key-filter"
      onSubmit={(event) => {
        event.preventDefault();
        onChange(chosen && value.trim() ? { key: chosen, value: value.trim() } : null);
      }}
    >
      <select aria-label="Search key" value={chosen} onChange={(event) => setKey(event.target.value)}>
        {[...new Set([...names, ...(search ? [search.key] : [])])].map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      <input
        type="search"
        placeholder="Exact value"
        aria-label="Search value"
        value={value}
        onChange={(event) => setValue(event.target.value)}
      />
      <Button type="submit" small>
        Search
      </Button>
      {search ? (
        <Button
          small
          variant="ghost"
          onClick={() => {
            setValue('');
            onChange(null);
          }}
        >
          Clear
        </Button>
      ) : null}
    </form>
  );
}
