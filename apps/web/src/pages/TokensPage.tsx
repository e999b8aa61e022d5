/** API tokens of the workspace: list, mint (the secret shown once), revoke. Admin tokens only. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiTokenScope } from '@weft/core';
import { type FormEvent, useState } from 'react';
import { describeError, issueFor } from '../api/errors';
import { useTRPC } from '../api/trpc';
import type { ApiToken, CreatedApiToken, Whoami } from '../api/types';
import {
  Button,
  ConfirmDialog,
  Dialog,
  EmptyState,
  ErrorState,
  Field,
  InlineError,
  Loading,
  useToast,
} from '../components/ui';
import { NewTokenSecret } from '../tokens/NewTokenSecret';
import { expiryChoices, mintableScopes, SCOPE_DESCRIPTIONS } from '../tokens/token-form';
import { TokenTable } from '../tokens/TokenTable';

export default function TokensPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const whoami = useQuery(trpc.auth.whoami.queryOptions());
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const revoke = useMutation(
    trpc.tokens.revoke.mutationOptions({
      onSuccess: (token) => {
        setRevoking(null);
        toast(`Token "${token.name}" revoked`, 'ok');
        void queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
      },
    }),
  );
  return (
    <div className="page">
      <header className="page-header">
        <h1>API tokens</h1>
        <div className="page-actions">
          <Button
            variant="primary"
            onClick={() => setCreating(true)}
            disabled={!whoami.data || !tokens.isSuccess}
          >
            New token
          </Button>
        </div>
      </header>
      {tokens.isPending ? (
        <Loading />
      ) : tokens.isError ? (
        <ErrorState
          title="Tokens cannot be shown"
          error={tokens.error}
          onRetry={() => void tokens.refetch()}
        />
      ) : tokens.data.length === 0 ? (
        <EmptyState title="No tokens">The workspace has no tokens.</EmptyState>
      ) : (
        <TokenTable
          tokens={tokens.data}
          currentId={whoami.data?.token.id ?? null}
          now={new Date()}
          onRevoke={(token) => {
            revoke.reset();
            setRevoking(token);
          }}
        />
      )}
      {creating && whoami.data ? (
        <CreateTokenDialog own={whoami.data.token} onClose={() => setCreating(false)} />
      ) : null}
      {revoking ? (
        <ConfirmDialog
          title={`Revoke "${revoking.name}"?`}
          confirmLabel="Revoke token"
          danger
          busy={revoke.isPending}
          error={revoke.error}
          onConfirm={() => revoke.mutate({ id: revoking.id })}
          onClose={() => setRevoking(null)}
        >
          Every call with this token is refused from now on
          {revoking.id === whoami.data?.token.id ? ', including this browser’s: you will be signed out' : ''}.
          This cannot be undone.
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function CreateTokenDialog({ own, onClose }: { own: Whoami['token']; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [now] = useState(() => new Date());
  const scopes = mintableScopes(own.scope);
  const expiries = expiryChoices(own, now);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ApiTokenScope>(scopes.includes('editor') ? 'editor' : scopes[0]!);
  const [expiry, setExpiry] = useState(expiries[0]!.id);
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const create = useMutation(trpc.tokens.create.mutationOptions());
  const info = create.error ? describeError(create.error) : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const expiresAt = expiries.find((choice) => choice.id === expiry)?.expiresAt ?? null;
    try {
      setCreated(await create.mutateAsync({ name, scope, expiresAt }));
      void queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
    } catch {
      // shown in the form
    }
  };

  if (created) {
    return (
      <Dialog
        title="Token created"
        onClose={onClose}
        footer={
          <Button variant="primary" onClick={onClose}>
            Done
          </Button>
        }
      >
        <NewTokenSecret created={created} />
      </Dialog>
    );
  }
  return (
    <Dialog
      title="New token"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="create-token" variant="primary" busy={create.isPending}>
            Create token
          </Button>
        </>
      }
    >
      <form id="create-token" onSubmit={submit}>
        <Field
          label="Name"
          htmlFor="token-name"
          required
          error={info ? issueFor(info, 'name') : undefined}
          hint="Who or what uses it: ci, dashboard…"
        >
          <input
            id="token-name"
            value={name}
            placeholder="ci"
            onChange={(event) => setName(event.target.value)}
          />
        </Field>
        <Field label="Scope" htmlFor="token-scope" hint={SCOPE_DESCRIPTIONS[scope]}>
          <select
            id="token-scope"
            value={scope}
            onChange={(event) => setScope(event.target.value as ApiTokenScope)}
          >
            {scopes.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label="Expires"
          htmlFor="token-expiry"
          hint={own.expiresAt ? 'A token cannot outlive the token that makes it.' : undefined}
        >
          <select id="token-expiry" value={expiry} onChange={(event) => setExpiry(event.target.value)}>
            {expiries.map((choice) => (
              <option key={choice.id} value={choice.id}>
                {choice.label}
              </option>
            ))}
          </select>
        </Field>
        {info && !issueFor(info, 'name') ? <InlineError error={create.error} /> : null}
      </form>
    </Dialog>
  );
}
