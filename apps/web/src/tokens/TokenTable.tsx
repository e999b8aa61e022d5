/** The workspace's tokens: scope, when made, when they expire, last use; revoke. */
import type { ApiToken } from '../api/types';
import { Badge, Button, TimeAgo } from '../components/ui';
import { formatDateTime } from '../lib/format';

function ExpiryCell({ token, now }: { token: ApiToken; now: Date }) {
  if (!token.expiresAt) return <span className="muted">never</span>;
  const expired = token.expiresAt.getTime() <= now.getTime();
  return (
    <>
      {formatDateTime(token.expiresAt)} {expired ? <Badge tone="bad">expired</Badge> : null}
    </>
  );
}

export function TokenTable({
  tokens,
  currentId,
  now,
  onRevoke,
}: {
  tokens: readonly ApiToken[];
  /** The token this browser is signed in with. */
  currentId: string | null;
  now: Date;
  onRevoke: (token: ApiToken) => void;
}) {
  return (
    <table className="table" data-testid="token-table">
      <thead>
        <tr>
          <th>Name</th>
          <th>Scope</th>
          <th>Created</th>
          <th>Expires</th>
          <th>Last used</th>
          <th aria-label="Actions" />
        </tr>
      </thead>
      <tbody>
        {tokens.map((token) => (
          <tr key={token.id} data-token-id={token.id}>
            <td>
              <span className="strong">{token.name}</span>{' '}
              {token.id === currentId ? <Badge tone="active">this browser</Badge> : null}
              <div className="muted small">
                <code>{token.prefix}…</code>
              </div>
            </td>
            <td>
              <Badge tone={token.scope === 'admin' ? 'waiting' : 'muted'}>{token.scope}</Badge>
            </td>
            <td className="small">
              <TimeAgo date={token.createdAt} />
            </td>
            <td className="small">
              <ExpiryCell token={token} now={now} />
            </td>
            <td className="small">
              <TimeAgo date={token.lastUsedAt} />
            </td>
            <td className="num">
              {token.revokedAt ? (
                <span className="muted small">
                  revoked <TimeAgo date={token.revokedAt} />
                </span>
              ) : (
                <Button small variant="danger" onClick={() => onRevoke(token)}>
                  Revoke
                </Button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
