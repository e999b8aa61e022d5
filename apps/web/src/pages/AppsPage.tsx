/** Apps (the services that post webhooks) with their webhook URL and connection health; create one. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { describeError, issueFor } from '../api/errors';
import { useTRPC } from '../api/trpc';
import type { Connection, RouterInputs, SignatureSchemes } from '../api/types';
import { navigate } from '../app/navigation';
import { Badge, Button, CopyButton, Dialog, EmptyState, ErrorState, Field, InlineError, Link, Loading, StatusBadge } from '../components/ui';
import { SchemaForm } from '../forms/SchemaForm';
import { type FormField, formFields } from '../forms/schema-form';

export function webhookUrl(path: string): string {
  return `${window.location.origin}${path}`;
}

/** The options of a scheme that apply to it (the signature schema lists every scheme's). */
export function signatureFields(schemes: SignatureSchemes, scheme: string): FormField[] {
  const info = schemes.schemes.find((s) => s.scheme === scheme);
  return formFields(schemes.configJsonSchema).filter((field) => {
    if (field.key === 'scheme') return false;
    if (field.key === 'header' || field.key === 'prefix') return info?.configurableHeader ?? false;
    if (field.key === 'toleranceSec') return info?.hasTimestamp ?? false;
    return true;
  });
}

export function HealthBadge({ connection }: { connection: Connection }) {
  if (connection.status === 'disabled') return <Badge tone="muted">disabled</Badge>;
  const health = connection.health?.status ?? 'unknown';
  return (
    <span title={connection.health?.lastError ?? undefined}>
      <StatusBadge status={health} />
    </span>
  );
}

function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

export default function AppsPage() {
  const trpc = useTRPC();
  const apps = useQuery(trpc.apps.list.queryOptions());
  const connections = useQuery(trpc.connections.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const byId = useMemo(() => new Map((connections.data ?? []).map((c) => [c.id, c])), [connections.data]);
  const counts = useMemo(() => {
    const map = new Map<string, number>();
    for (const c of connections.data ?? []) map.set(c.appId, (map.get(c.appId) ?? 0) + 1);
    return map;
  }, [connections.data]);
  return (
    <div className="page">
      <header className="page-header">
        <h1>Apps &amp; connections</h1>
        <div className="page-actions">
          <Button variant="primary" onClick={() => setCreating(true)}>
            New app
          </Button>
        </div>
      </header>
      {apps.isPending ? (
        <Loading />
      ) : apps.isError ? (
        <ErrorState error={apps.error} onRetry={() => void apps.refetch()} />
      ) : apps.data.length === 0 ? (
        <EmptyState
          title="No apps yet"
          action={
            <Button variant="primary" onClick={() => setCreating(true)}>
              Add an app
            </Button>
          }
        >
          An app is a service that sends you webhooks (a shop, a payment provider, GitHub…). It gets its own webhook URL and
          a connection holding the secret its signatures are checked with.
        </EmptyState>
      ) : (
        <table className="table" data-testid="app-table">
          <thead>
            <tr>
              <th>App</th>
              <th>Signature</th>
              <th>Webhook URL</th>
              <th>Default connection</th>
              <th className="num">Connections</th>
            </tr>
          </thead>
          <tbody>
            {apps.data.map((app) => {
              const connection = app.defaultConnectionId ? byId.get(app.defaultConnectionId) : undefined;
              return (
                <tr key={app.id}>
                  <td>
                    <Link route={{ name: 'app', appId: app.id }} className="strong">
                      {app.name}
                    </Link>
                    <div className="muted small">
                      <code>{app.key}</code>
                    </div>
                  </td>
                  <td className="small">{app.signature.scheme}</td>
                  <td>
                    <code className="url">{webhookUrl(app.webhookPath)}</code> <CopyButton text={webhookUrl(app.webhookPath)} />
                  </td>
                  <td>
                    {connection ? (
                      <>
                        {connection.name} <HealthBadge connection={connection} />
                      </>
                    ) : (
                      <span className="warn-text small">none: every webhook is refused</span>
                    )}
                  </td>
                  <td className="num">{counts.get(app.id) ?? 0}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {creating ? <CreateAppDialog onClose={() => setCreating(false)} /> : null}
    </div>
  );
}

function CreateAppDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const schemes = useQuery({ ...trpc.registry.signatureSchemes.queryOptions(), staleTime: Number.POSITIVE_INFINITY });
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [keyTouched, setKeyTouched] = useState(false);
  const [signature, setSignature] = useState<Record<string, unknown>>({ scheme: 'generic' });
  const create = useMutation(trpc.apps.create.mutationOptions());
  const info = create.error ? describeError(create.error) : null;
  const scheme = String(signature.scheme);
  const schemeInfo = schemes.data?.schemes.find((s) => s.scheme === scheme);
  const signatureProblems = useMemo(() => {
    const map = new Map<string, string[]>();
    for (const issue of info?.fieldIssues ?? []) {
      if (issue.path.startsWith('signature.')) map.set(issue.path.slice('signature.'.length), [issue.message]);
    }
    return map;
  }, [info]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const app = await create.mutateAsync({
        name,
        key: keyTouched ? key : slugify(name),
        signature: signature as RouterInputs['apps']['create']['signature'],
      });
      void queryClient.invalidateQueries({ queryKey: trpc.apps.list.queryKey() });
      onClose();
      navigate({ name: 'app', appId: app.id });
    } catch {
      // shown in the form
    }
  };

  return (
    <Dialog
      title="New app"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="create-app" variant="primary" busy={create.isPending}>
            Create app
          </Button>
        </>
      }
    >
      <form id="create-app" onSubmit={submit}>
        <Field label="Name" htmlFor="app-name" required error={info ? issueFor(info, 'name') : undefined}>
          <input id="app-name" value={name} placeholder="Acme Shop" onChange={(event) => setName(event.target.value)} />
        </Field>
        <Field
          label="Key"
          htmlFor="app-key"
          required
          error={info ? issueFor(info, 'key') : undefined}
          hint={`Partners post to ${webhookUrl(`/webhook/${(keyTouched ? key : slugify(name)) || '<key>'}`)}. It cannot change later.`}
        >
          <input
            id="app-key"
            value={keyTouched ? key : slugify(name)}
            placeholder="acme-shop"
            onChange={(event) => {
              setKeyTouched(true);
              setKey(event.target.value);
            }}
          />
        </Field>
        {schemes.isPending ? (
          <Loading />
        ) : schemes.isError ? (
          <InlineError error={schemes.error} />
        ) : (
          <>
            <Field label="Signature scheme" htmlFor="app-scheme" hint={schemeInfo?.description}>
              <select id="app-scheme" value={scheme} onChange={(event) => setSignature({ scheme: event.target.value })}>
                {schemes.data.schemes.map((s) => (
                  <option key={s.scheme} value={s.scheme}>
                    {s.title}
                  </option>
                ))}
              </select>
            </Field>
            {schemeInfo ? (
              <p className="muted small" data-testid="replay-protection">
                {schemeInfo.replayProtection}
              </p>
            ) : null}
            <details className="advanced">
              <summary>Scheme options</summary>
              <SchemaForm
                fields={signatureFields(schemes.data, scheme)}
                value={signature}
                onChange={(next) => setSignature({ ...next, scheme })}
                problems={signatureProblems}
                context={{ expressions: false, completion: { upstream: [] }, apps: [], connections: [] }}
              />
            </details>
          </>
        )}
        {info && !issueFor(info, 'name') && !issueFor(info, 'key') ? <InlineError error={create.error} /> : null}
      </form>
    </Dialog>
  );
}

