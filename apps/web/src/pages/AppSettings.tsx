/** An app's signature settings, and deleting the app. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { describeError, issueFor } from '../api/errors';
import { useTRPC } from '../api/trpc';
import type { App, RouterInputs } from '../api/types';
import { navigate } from '../app/navigation';
import { Button, ConfirmDialog, Field, InlineError, useToast } from '../components/ui';
import { SchemaForm } from '../forms/SchemaForm';
import { signatureFields } from './AppsPage';


export function SignatureSettings({ app }: { app: App }) {
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


export function DeleteAppDialog({ app, onClose }: { app: App; onClose: () => void }) {
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
