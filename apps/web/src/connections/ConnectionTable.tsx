/** An app's connections: status, health (tested here), OAuth2 state, default, secret and edit actions. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc';
import type { App, Connection, ConnectionTest } from '../api/types';
import { Badge, Button, Dialog, StatusBadge, TimeAgo, useErrorToast, useToast } from '../components/ui';
import { HealthBadge } from '../pages/AppsPage';
import { ConnectButton, OAuth2Status } from './OAuth2Status';


export function ConnectionTable({
  app,
  connections,
  onEdit,
  onSecret,
  onTested,
}: {
  app: App;
  connections: readonly Connection[];
  onEdit: (connection: Connection) => void;
  onSecret: (connection: Connection) => void;
  onTested: (result: ConnectionTest) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorToast = useErrorToast();
  const toast = useToast();
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.connections.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.apps.pathKey() });
  };
  const test = useMutation(trpc.connections.test.mutationOptions({ onSuccess: (result) => { refresh(); onTested(result); }, onError: errorToast }));
  const enable = useMutation(trpc.connections.enable.mutationOptions({ onSuccess: refresh, onError: errorToast }));
  const disable = useMutation(trpc.connections.disable.mutationOptions({ onSuccess: refresh, onError: errorToast }));
  const makeDefault = useMutation(
    trpc.apps.update.mutationOptions({
      onSuccess: () => {
        refresh();
        toast('Default connection changed: its secret now verifies this app’s webhooks', 'ok');
      },
      onError: errorToast,
    }),
  );
  return (
    <table className="table" data-testid="connection-table">
      <thead>
        <tr>
          <th>Connection</th>
          <th>Secret</th>
          <th>Health</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {connections.map((connection) => {
          const isDefault = app.defaultConnectionId === connection.id;
          return (
            <tr key={connection.id} data-connection={connection.name}>
              <td>
                <strong>{connection.name}</strong> {isDefault ? <Badge tone="ok">default</Badge> : null}{' '}
                {connection.status === 'disabled' ? <Badge>disabled</Badge> : null}
                {Object.keys(connection.metadata).length > 0 ? (
                  <div className="muted small">
                    {Object.entries(connection.metadata)
                      .map(([k, v]) => `${k}: ${v}`)
                      .join(' · ')}
                  </div>
                ) : null}
              </td>
              <td className="small">
                <OAuth2Status connection={connection} />
                {connection.hasSecret ? (
                  <>
                    set <code>{connection.secretHint}</code>
                    {connection.rotatedAt ? (
                      <div className="muted">
                        rotated <TimeAgo date={connection.rotatedAt} />
                      </div>
                    ) : null}
                  </>
                ) : (
                  <span className="warn-text">no secret</span>
                )}
              </td>
              <td className="small">
                <HealthBadge connection={connection} />
                {connection.health?.checkedAt ? (
                  <div className="muted">
                    checked <TimeAgo date={connection.health.checkedAt} />
                  </div>
                ) : null}
                {connection.health?.lastError ? <div className="warn-text">{connection.health.lastError}</div> : null}
              </td>
              <td className="actions">
                <ConnectButton connection={connection} />
                <Button small busy={test.isPending && test.variables?.id === connection.id} onClick={() => test.mutate({ id: connection.id })}>
                  Test
                </Button>
                <Button small onClick={() => onSecret(connection)}>
                  {connection.hasSecret ? 'Rotate secret' : 'Set secret'}
                </Button>
                <Button small variant="ghost" onClick={() => onEdit(connection)}>
                  Edit
                </Button>
                {!isDefault ? (
                  <Button small variant="ghost" onClick={() => makeDefault.mutate({ id: app.id, defaultConnectionId: connection.id })}>
                    Make default
                  </Button>
                ) : null}
                {connection.status === 'active' ? (
                  <Button small variant="ghost" onClick={() => disable.mutate({ id: connection.id })}>
                    Disable
                  </Button>
                ) : (
                  <Button small variant="ghost" onClick={() => enable.mutate({ id: connection.id })}>
                    Enable
                  </Button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}


export function TestResultDialog({ result, onClose }: { result: ConnectionTest; onClose: () => void }) {
  return (
    <Dialog title={`Test of ${result.connection.name}: ${result.ok ? 'healthy' : 'failing'}`} onClose={onClose}>
      <ul className="check-list" data-testid="connection-checks">
        {result.checks.map((check) => (
          <li key={check.name}>
            <StatusBadge status={check.ok ? 'ok' : 'failing'} /> <strong>{check.name}</strong> {check.message}
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

