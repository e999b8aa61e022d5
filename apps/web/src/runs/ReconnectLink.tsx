/** A step that failed because an OAuth2 connection must be reconnected: a link to where that is done. */
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc';
import { Link } from '../components/ui';

/** The connection an `oauth2_reconnect` error is about, or null for any other error. */
export function reconnectTarget(
  error: { code: string; details?: unknown } | null | undefined,
): string | null {
  if (error?.code !== 'oauth2_reconnect') return null;
  const details = error.details;
  const id =
    details && typeof details === 'object' ? (details as { connectionId?: unknown }).connectionId : undefined;
  return typeof id === 'string' ? id : null;
}

export function ReconnectLink({ error }: { error: { code: string; details?: unknown } | null | undefined }) {
  const connectionId = reconnectTarget(error);
  const trpc = useTRPC();
  const connection = useQuery({
    ...trpc.connections.get.queryOptions({ id: connectionId ?? '' }),
    enabled: connectionId !== null,
  });
  if (!connectionId) return null;
  return (
    <div className="notice notice-bad" role="alert" data-testid="reconnect">
      {connection.data ? (
        <>
          Connection “{connection.data.name}” must be reconnected before this step can succeed:{' '}
          <Link route={{ name: 'app', appId: connection.data.appId }}>reconnect it</Link>, then replay from
          the failed step.
        </>
      ) : (
        <>
          An OAuth2 connection of this step must be reconnected (on its app’s page), then replay from the
          failed step.
        </>
      )}
    </div>
  );
}
