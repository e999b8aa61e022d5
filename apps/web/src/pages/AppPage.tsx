/**
 * One app: its webhook URL, signature settings, and connections (create, edit, set or rotate the
 * secret — never shown again —, test health, enable/disable, make default); delete the app.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { describeError, issueFor } from '../api/errors';
import { useTRPC } from '../api/trpc';
import type { App, Connection, ConnectionTest, RouterInputs } from '../api/types';
import { navigate } from '../app/navigation';
import {
  Badge,
  Button,
  ConfirmDialog,
  CopyButton,
  Dialog,
  EmptyState,
  ErrorState,
  Field,
  InlineError,
  Link,
  Loading,
  StatusBadge,
  TimeAgo,
  useErrorToast,
  useToast,
} from '../components/ui';
import { OAuth2Fields } from '../connections/OAuth2Fields';
import { ConnectButton, OAuth2Status } from '../connections/OAuth2Status';
import { OAUTH2_FIELDS, oauth2FormOf, oauth2FormProblems, oauth2InputOf } from '../connections/oauth2-form';
import { SchemaForm } from '../forms/SchemaForm';
import { HealthBadge, signatureFields, webhookUrl } from './AppsPage';

type Row = { name: string; value: string };

/** Where the api's OAuth2 callback sent the browser back to: the outcome for one connection. */
export interface OAuth2Return {
  readonly outcome: 'connected' | 'failed';
  readonly connectionId: string;
}

export default function AppPage({ appId, oauth2 }: { appId: string; oauth2?: OAuth2Return }) {
  const trpc = useTRPC();
  const app = useQuery(trpc.apps.get.queryOptions({ id: appId }));
  // Health and OAuth2 state change behind the page's back (a run finds a token refused): read them on every visit.
  const connections = useQuery({ ...trpc.connections.list.queryOptions({ appId }), refetchOnMount: 'always' });
  const [dialog, setDialog] = useState<
    | { kind: 'create' }
    | { kind: 'edit'; connection: Connection }
    | { kind: 'secret'; connection: Connection }
    | { kind: 'test'; result: ConnectionTest }
    | { kind: 'delete' }
    | null
  >(null);
  if (app.isPending) return <Loading />;
  if (app.isError) {
    return (
      <div className="page">
        <ErrorState error={app.error} onRetry={() => void app.refetch()} />
      </div>
    );
  }
  const url = webhookUrl(app.data.webhookPath);
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <Link route={{ name: 'apps' }} className="back-link">
            ← Apps
          </Link>
          <h1>{app.data.name}</h1>
        </div>
        <div className="page-actions">
          <Link route={{ name: 'deliveries', appId }} className="btn btn-secondary">
            Deliveries
          </Link>
          <Button variant="danger" onClick={() => setDialog({ kind: 'delete' })}>
            Delete app
          </Button>
        </div>
      </header>
      <section className="section">
        <h2>Webhook URL</h2>
        <div className="url-box">
          <code className="url" data-testid="webhook-url">
            {url}
          </code>
          <CopyButton text={url} label="Copy URL" />
        </div>
        <p className="muted small">
          Give this URL to {app.data.name}. Requests must be signed ({app.data.signature.scheme}) with the secret of the
          default connection; anything else is refused with 401 and never stored.
        </p>
      </section>
      <section className="section">
        <div className="section-header">
          <h2>Connections</h2>
          <Button variant="primary" onClick={() => setDialog({ kind: 'create' })}>
            New connection
          </Button>
        </div>
        {oauth2 ? <OAuth2ReturnBanner appId={appId} result={oauth2} connections={connections.data ?? []} /> : null}
        {connections.isPending ? (
          <Loading />
        ) : connections.isError ? (
          <ErrorState error={connections.error} onRetry={() => void connections.refetch()} />
        ) : connections.data.length === 0 ? (
          <EmptyState
            title="No connection yet"
            action={
              <Button variant="primary" onClick={() => setDialog({ kind: 'create' })}>
                Add the webhook secret
              </Button>
            }
          >
            A connection holds the secret this app’s webhooks are signed with (and credentials for calling it back).
            Until there is one, every webhook to this app is refused.
          </EmptyState>
        ) : (
          <ConnectionTable
            app={app.data}
            connections={connections.data}
            onEdit={(connection) => setDialog({ kind: 'edit', connection })}
            onSecret={(connection) => setDialog({ kind: 'secret', connection })}
            onTested={(result) => setDialog({ kind: 'test', result })}
          />
        )}
      </section>
      <SignatureSettings app={app.data} />
      {dialog?.kind === 'create' ? <ConnectionDialog app={app.data} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'edit' ? <ConnectionDialog app={app.data} connection={dialog.connection} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'secret' ? <SecretDialog app={app.data} connection={dialog.connection} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'test' ? <TestResultDialog result={dialog.result} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'delete' ? <DeleteAppDialog app={app.data} onClose={() => setDialog(null)} /> : null}
    </div>
  );
}

function ConnectionTable({
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

function RowsEditor({
  rows,
  onChange,
  secret,
  label,
  namePlaceholder,
}: {
  rows: Row[];
  onChange: (rows: Row[]) => void;
  secret?: boolean;
  label: string;
  namePlaceholder: string;
}) {
  return (
    <div className="map-input">
      {rows.map((row, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional while edited
        <div className="map-row" key={index}>
          <input
            aria-label={`${label} name ${index + 1}`}
            placeholder={namePlaceholder}
            value={row.name}
            onChange={(event) => onChange(rows.map((r, i) => (i === index ? { ...r, name: event.target.value } : r)))}
          />
          <input
            aria-label={`${label} value ${index + 1}`}
            type={secret ? 'password' : 'text'}
            autoComplete={secret ? 'new-password' : 'off'}
            placeholder="Value"
            value={row.value}
            onChange={(event) => onChange(rows.map((r, i) => (i === index ? { ...r, value: event.target.value } : r)))}
          />
          <Button small variant="ghost" aria-label="Remove" onClick={() => onChange(rows.filter((_, i) => i !== index))}>
            ×
          </Button>
        </div>
      ))}
      <Button small variant="ghost" onClick={() => onChange([...rows, { name: '', value: '' }])}>
        + Add
      </Button>
    </div>
  );
}

function rowsToRecord(rows: readonly Row[]): Record<string, string> {
  return Object.fromEntries(rows.filter((r) => r.name.trim() !== '').map((r) => [r.name.trim(), r.value]));
}

function ConnectionDialog({ app, connection, onClose }: { app: App; connection?: Connection; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const schemes = useQuery({ ...trpc.registry.signatureSchemes.queryOptions(), staleTime: Number.POSITIVE_INFINITY });
  const hint = schemes.data?.schemes.find((s) => s.scheme === app.signature.scheme)?.secretHint;
  const [name, setName] = useState(connection?.name ?? (app.defaultConnectionId ? '' : `${app.name} webhooks`));
  const [webhookSecret, setWebhookSecret] = useState('');
  const [otherSecrets, setOtherSecrets] = useState<Row[]>([]);
  const [metadata, setMetadata] = useState<Row[]>(
    connection ? Object.entries(connection.metadata).map(([n, v]) => ({ name: n, value: v })) : [],
  );
  const [rate, setRate] = useState(connection?.rateLimitPerSec ? String(connection.rateLimitPerSec) : '');
  const [makeDefault, setMakeDefault] = useState(!app.defaultConnectionId);
  const [oauth2, setOAuth2] = useState(() => oauth2FormOf(connection));
  const [submitted, setSubmitted] = useState(false);
  const create = useMutation(trpc.connections.create.mutationOptions());
  const update = useMutation(trpc.connections.update.mutationOptions());
  const error = create.error ?? update.error;
  const info = error ? describeError(error) : null;
  const hasClientSecret = connection?.secretHint?.includes('clientSecret=') ?? false;
  const localOAuth2Problems = useMemo(() => oauth2FormProblems(oauth2, connection !== undefined), [oauth2, connection]);
  // The form's own checks once a submit was tried; then what the server said, by field.
  const oauth2Problems = useMemo(() => {
    const map = new Map(submitted ? localOAuth2Problems : []);
    for (const field of OAUTH2_FIELDS) {
      const issue = info ? issueFor(info, field === 'clientSecret' ? 'secrets.clientSecret' : `oauth2.${field}`) : undefined;
      if (issue && !map.has(field)) map.set(field, issue);
    }
    if (info?.message.startsWith('secrets.clientSecret') && !map.has('clientSecret')) map.set('clientSecret', info.message);
    return map;
  }, [submitted, localOAuth2Problems, info]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (localOAuth2Problems.size > 0) return;
    const rateLimitPerSec = rate.trim() === '' ? null : Number(rate);
    const oauth2Input = oauth2InputOf(oauth2);
    try {
      if (connection) {
        const oauth2Changed = JSON.stringify(oauth2Input) !== JSON.stringify(oauth2InputOf(oauth2FormOf(connection)));
        await update.mutateAsync({
          id: connection.id,
          name,
          metadata: rowsToRecord(metadata),
          rateLimitPerSec,
          ...(oauth2Changed ? { oauth2: oauth2Input } : {}),
        });
        toast(oauth2Changed && oauth2Input ? 'Connection saved; its OAuth2 tokens were forgotten (connect again)' : 'Connection saved', 'ok');
      } else {
        const secrets = {
          ...rowsToRecord(otherSecrets),
          ...(webhookSecret ? { webhookSecret } : {}),
          ...(oauth2Input && oauth2.clientSecret ? { clientSecret: oauth2.clientSecret } : {}),
        };
        const input: RouterInputs['connections']['create'] = {
          appId: app.id,
          name,
          metadata: rowsToRecord(metadata),
          rateLimitPerSec,
          makeDefault,
          ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
          ...(oauth2Input ? { oauth2: oauth2Input } : {}),
        };
        await create.mutateAsync(input);
        toast('Connection created; its secret is stored encrypted and never shown again', 'ok');
      }
      void queryClient.invalidateQueries({ queryKey: trpc.connections.pathKey() });
      void queryClient.invalidateQueries({ queryKey: trpc.apps.pathKey() });
      onClose();
    } catch {
      // shown in the form
    }
  };

  return (
    <Dialog
      title={connection ? `Edit ${connection.name}` : 'New connection'}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="connection-form" variant="primary" busy={create.isPending || update.isPending}>
            {connection ? 'Save' : 'Create connection'}
          </Button>
        </>
      }
    >
      <form id="connection-form" onSubmit={submit}>
        <Field label="Name" htmlFor="connection-name" required error={info ? issueFor(info, 'name') : undefined}>
          <input id="connection-name" value={name} onChange={(event) => setName(event.target.value)} />
        </Field>
        {connection ? null : (
          <>
            <Field
              label="Webhook secret"
              htmlFor="connection-secret"
              hint={`${hint ?? 'The shared secret'}. Stored encrypted; it is never shown again.`}
              error={info?.message.startsWith('secrets.') && !info.message.startsWith('secrets.clientSecret') ? info.message : undefined}
            >
              <input
                id="connection-secret"
                type="password"
                autoComplete="new-password"
                value={webhookSecret}
                onChange={(event) => setWebhookSecret(event.target.value)}
              />
            </Field>
            <Field label="Other secrets" hint="Credentials for HTTP nodes using this connection (token, apiKey, username, password…).">
              <RowsEditor rows={otherSecrets} onChange={setOtherSecrets} secret label="Secret" namePlaceholder="token" />
            </Field>
          </>
        )}
        <OAuth2Fields
          form={oauth2}
          onChange={setOAuth2}
          problems={oauth2Problems}
          hasClientSecret={hasClientSecret}
          editing={connection !== undefined}
          publicUrlHint={`${window.location.origin}/oauth2/callback`}
        />
        <Field label="Metadata" hint="Plain values. healthUrl: a URL the health test calls with GET.">
          <RowsEditor rows={metadata} onChange={setMetadata} label="Metadata" namePlaceholder="healthUrl" />
        </Field>
        <Field label="Outbound rate limit (per second)" htmlFor="connection-rate" error={info ? issueFor(info, 'rateLimitPerSec') : undefined}>
          <input id="connection-rate" inputMode="decimal" value={rate} placeholder="no limit" onChange={(event) => setRate(event.target.value)} />
        </Field>
        {connection ? null : (
          <label className="checkbox">
            <input type="checkbox" checked={makeDefault} onChange={(event) => setMakeDefault(event.target.checked)} />
            <span>Default connection of {app.name} (its webhook secret verifies incoming webhooks)</span>
          </label>
        )}
        {info && !issueFor(info, 'name') && !info.message.startsWith('secrets.') && oauth2Problems.size === 0 ? <InlineError error={error} /> : null}
      </form>
    </Dialog>
  );
}

function OAuth2ReturnBanner({ appId, result, connections }: { appId: string; result: OAuth2Return; connections: readonly Connection[] }) {
  const connection = connections.find((c) => c.id === result.connectionId);
  const name = connection ? `“${connection.name}”` : 'The connection';
  return (
    <div className={`banner ${result.outcome === 'connected' ? 'banner-ok' : 'banner-bad'}`} role="status" data-testid="oauth2-return">
      {result.outcome === 'connected'
        ? `${name} is connected: its OAuth2 tokens are stored encrypted and renewed when they expire.`
        : `${name} could not be connected: ${connection?.oauth2?.lastError ?? 'the authorization failed'}.`}{' '}
      <Link route={{ name: 'app', appId }}>Dismiss</Link>
    </div>
  );
}

function SecretDialog({ app, connection, onClose }: { app: App; connection: Connection; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const isDefault = app.defaultConnectionId === connection.id;
  const [rows, setRows] = useState<Row[]>([
    { name: isDefault ? 'webhookSecret' : connection.oauth2 ? 'clientSecret' : 'token', value: '' },
  ]);
  const setSecrets = useMutation(trpc.connections.setSecrets.mutationOptions());
  const submit = async () => {
    try {
      await setSecrets.mutateAsync({ id: connection.id, secrets: rowsToRecord(rows) });
      void queryClient.invalidateQueries({ queryKey: trpc.connections.pathKey() });
      toast('Secret saved; the old values are gone', 'ok');
      onClose();
    } catch {
      // shown below
    }
  };
  return (
    <Dialog
      title={`${connection.hasSecret ? 'Rotate' : 'Set'} secret of ${connection.name}`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" busy={setSecrets.isPending} onClick={() => void submit()}>
            Save secret
          </Button>
        </>
      }
    >
      <p className="muted small">
        The values replace <strong>all</strong> current secret values of this connection. They are stored encrypted and never
        shown again. {isDefault ? 'webhookSecret verifies this app’s incoming webhooks: update it at the partner too.' : null}
      </p>
      <RowsEditor rows={rows} onChange={setRows} secret label="Secret" namePlaceholder="webhookSecret" />
      <InlineError error={setSecrets.error} />
    </Dialog>
  );
}

function TestResultDialog({ result, onClose }: { result: ConnectionTest; onClose: () => void }) {
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

function SignatureSettings({ app }: { app: App }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const schemes = useQuery({ ...trpc.registry.signatureSchemes.queryOptions(), staleTime: Number.POSITIVE_INFINITY });
  const [name, setName] = useState(app.name);
  const [signature, setSignature] = useState<Record<string, unknown>>(app.signature as Record<string, unknown>);
  const update = useMutation(trpc.apps.update.mutationOptions());
  const info = update.error ? describeError(update.error) : null;
  const scheme = String(signature.scheme);
  const fields = useMemo(() => (schemes.data ? signatureFields(schemes.data, scheme) : []), [schemes.data, scheme]);
  const problems = useMemo(() => {
    const map = new Map<string, string[]>();
    for (const issue of info?.fieldIssues ?? []) if (issue.path.startsWith('signature.')) map.set(issue.path.slice(10), [issue.message]);
    return map;
  }, [info]);
  const dirty = name !== app.name || JSON.stringify(signature) !== JSON.stringify(app.signature);
  const save = async () => {
    try {
      await update.mutateAsync({
        id: app.id,
        name,
        signature: signature as RouterInputs['apps']['update']['signature'] & object,
      });
      void queryClient.invalidateQueries({ queryKey: trpc.apps.pathKey() });
      toast('App saved', 'ok');
    } catch {
      // shown below
    }
  };
  return (
    <section className="section">
      <h2>Settings</h2>
      <div className="settings-grid">
        <Field label="Name" htmlFor="app-edit-name" error={info ? issueFor(info, 'name') : undefined}>
          <input id="app-edit-name" value={name} onChange={(event) => setName(event.target.value)} />
        </Field>
        <Field label="Key" hint="Part of the webhook URL; it cannot change.">
          <input value={app.key} readOnly disabled />
        </Field>
        {schemes.data ? (
          <Field label="Signature scheme" htmlFor="app-edit-scheme" hint={schemes.data.schemes.find((s) => s.scheme === scheme)?.description}>
            <select id="app-edit-scheme" value={scheme} onChange={(event) => setSignature({ scheme: event.target.value })}>
              {schemes.data.schemes.map((s) => (
                <option key={s.scheme} value={s.scheme}>
                  {s.title}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
      </div>
      <SchemaForm
        fields={fields}
        value={signature}
        onChange={(next) => setSignature({ ...next, scheme })}
        problems={problems}
        context={{ expressions: false, completion: { upstream: [] }, apps: [], connections: [] }}
      />
      {info && info.fieldIssues.length === 0 ? <InlineError error={update.error} /> : null}
      <Button variant="primary" disabled={!dirty} busy={update.isPending} onClick={() => void save()}>
        Save settings
      </Button>
    </section>
  );
}

function DeleteAppDialog({ app, onClose }: { app: App; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const remove = useMutation(
    trpc.apps.delete.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.apps.pathKey() });
        toast(`Deleted ${app.name}`, 'ok');
        navigate({ name: 'apps' });
      },
    }),
  );
  return (
    <ConfirmDialog
      title={`Delete ${app.name}?`}
      confirmLabel="Delete app"
      danger
      busy={remove.isPending}
      error={remove.error}
      onClose={onClose}
      onConfirm={() => remove.mutate({ id: app.id })}
    >
      Its connections are deleted and its webhook URL stops working. Deliveries and runs are kept. An app used by a scenario’s
      trigger cannot be deleted.
    </ConfirmDialog>
  );
}
