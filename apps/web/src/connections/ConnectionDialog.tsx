/** Creating or editing a connection (name, metadata, rate limit, OAuth2), and setting or rotating its secret. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { describeError, issueFor } from '../api/errors';
import { useTRPC } from '../api/trpc';
import type { App, Connection, RouterInputs } from '../api/types';
import { Button, Dialog, Field, InlineError, useToast } from '../components/ui';
import { OAuth2Fields } from './OAuth2Fields';
import { OAUTH2_FIELDS, oauth2FormOf, oauth2FormProblems, oauth2InputOf } from './oauth2-form';


type Row = { name: string; value: string };

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

export function ConnectionDialog({ app, connection, onClose }: { app: App; connection?: Connection; onClose: () => void }) {
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


export function SecretDialog({ app, connection, onClose }: { app: App; connection: Connection; onClose: () => void }) {
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

