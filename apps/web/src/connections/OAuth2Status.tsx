/** A connection's OAuth2 state in the connections table, with Connect / Reconnect. */
import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc';
import type { Connection } from '../api/types';
import { Badge, Button, TimeAgo, useErrorToast } from '../components/ui';

const TONES = { connected: 'ok', not_connected: 'muted', failing: 'bad' } as const;
const LABELS = {
  connected: 'connected',
  not_connected: 'not connected',
  failing: 'reconnect needed',
} as const;

export function OAuth2Status({ connection }: { connection: Connection }) {
  const oauth2 = connection.oauth2;
  if (!oauth2) return null;
  return (
    <div className="small" data-testid="oauth2-status" data-oauth2-status={oauth2.status}>
      OAuth2 <Badge tone={TONES[oauth2.status]}>{LABELS[oauth2.status]}</Badge>{' '}
      <span className="muted">
        {oauth2.config.grant === 'client_credentials' ? 'client credentials' : 'authorization code'}
      </span>
      {oauth2.expiresAt ? (
        <div className="muted">
          token expires <TimeAgo date={oauth2.expiresAt} />
        </div>
      ) : null}
      {oauth2.status === 'not_connected' && oauth2.config.grant === 'client_credentials' ? (
        <div className="muted">gets its token at first use</div>
      ) : null}
    </div>
  );
}

/** Sends the person to the authorization server; it sends them back to the api's callback. */
export function ConnectButton({ connection }: { connection: Connection }) {
  const trpc = useTRPC();
  const errorToast = useErrorToast();
  const authorize = useMutation(
    trpc.connections.authorize.mutationOptions({
      onSuccess: ({ url }) => window.location.assign(url),
      onError: errorToast,
    }),
  );
  if (connection.oauth2?.config.grant !== 'authorization_code') return null;
  return (
    <Button
      small
      variant={connection.oauth2.status === 'connected' ? 'ghost' : 'primary'}
      busy={authorize.isPending}
      onClick={() => authorize.mutate({ id: connection.id })}
    >
      {connection.oauth2.status === 'not_connected' ? 'Connect' : 'Reconnect'}
    </Button>
  );
}
