/**
 * The pages of a paginated HTTP request, in the run view (stored pages, live while the step runs)
 * and in dry-run (from the node's output): per page its HTTP status and how many items it gave.
 */
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc';
import { InlineError } from '../components/ui';

interface PageRow {
  readonly page: number;
  readonly status: number;
  readonly items: number;
}

export function PageTable({
  nodeId,
  pages,
  more,
}: {
  nodeId: string;
  pages: readonly PageRow[];
  more: boolean | null;
}) {
  const items = pages.reduce((sum, page) => sum + page.items, 0);
  return (
    <section className="http-pages" data-http-pages={nodeId}>
      <h4>
        {pages.length} {pages.length === 1 ? 'page' : 'pages'}, {items} items
        {more === true ? ' (more to fetch)' : ''}
      </h4>
      <table className="table table-compact">
        <thead>
          <tr>
            <th>Page</th>
            <th>Status</th>
            <th className="num">Items</th>
          </tr>
        </thead>
        <tbody>
          {pages.map((page) => (
            <tr key={page.page} data-page={page.page}>
              <td className="num">{page.page}</td>
              <td className={page.status < 300 ? undefined : 'warn-text'}>{page.status}</td>
              <td className="num">{page.items}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * A step of a stored run (inside a for-each body: of one item): the pages it has stored so far;
 * nothing for a request that is not paginated.
 */
export function RunHttpPages({
  runId,
  nodeId,
  itemIndex,
  live,
}: {
  runId: string;
  nodeId: string;
  itemIndex?: number;
  live: boolean;
}) {
  const trpc = useTRPC();
  const pages = useQuery({
    ...trpc.runs.httpPages.queryOptions({ runId, nodeId, ...(itemIndex === undefined ? {} : { itemIndex }) }),
    refetchInterval: live ? 1_000 : false,
  });
  if (pages.isError) return <InlineError error={pages.error} />;
  const stored = pages.data?.pages ?? [];
  if (stored.length === 0) return null;
  return (
    <PageTable
      nodeId={nodeId}
      pages={stored.map((page) => ({ page: page.page, status: page.status, items: page.itemCount }))}
      more={live ? null : (stored.at(-1)?.more ?? false)}
    />
  );
}

/** `perPage` of a paginated request's output (a dry-run's node), or null for any other output. */
export function perPageOf(output: unknown): { pages: PageRow[]; complete: boolean } | null {
  if (output === null || typeof output !== 'object') return null;
  const { perPage, complete } = output as { perPage?: unknown; complete?: unknown };
  if (!Array.isArray(perPage)) return null;
  const pages = perPage.filter(
    (row): row is PageRow =>
      row !== null &&
      typeof row === 'object' &&
      typeof row.page === 'number' &&
      typeof row.status === 'number' &&
      typeof row.items === 'number',
  );
  return { pages, complete: complete === true };
}
