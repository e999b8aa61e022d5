/** The search key values stored with a run or delivery, each a link to the list filtered by it. */
import type { Route } from '../app/routes';
import { Link } from '../components/ui';

export function SearchKeyValues({
  values,
  routeOf,
}: {
  values: readonly { name: string; value: string }[];
  routeOf: (search: { key: string; value: string }) => Route;
}) {
  if (values.length === 0) return null;
  return (
    <div>
      <dt>Search keys</dt>
      <dd data-testid="search-key-values">
        {values.map((key) => (
          <span key={`${key.name}=${key.value}`} className="small">
            <Link route={routeOf({ key: key.name, value: key.value })}>
              {key.name}: <code>{key.value}</code>
            </Link>{' '}
          </span>
        ))}
      </dd>
    </div>
  );
}
