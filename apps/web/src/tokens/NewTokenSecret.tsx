/** A token just minted: its secret, this once (the server keeps only its hash). */
import type { CreatedApiToken } from '../api/types';
import { CopyButton } from '../components/ui';
import { formatDateTime } from '../lib/format';

export function NewTokenSecret({ created }: { created: CreatedApiToken }) {
  return (
    <div data-testid="new-token">
      <p>
        Token <strong>{created.name}</strong> (scope <strong>{created.scope}</strong>,{' '}
        {created.expiresAt ? `expires ${formatDateTime(created.expiresAt)}` : 'never expires'}) is ready. Copy
        it now: it is not shown again.
      </p>
      <p>
        <code className="url" data-testid="new-token-secret">
          {created.token}
        </code>{' '}
        <CopyButton text={created.token} />
      </p>
      <p className="muted small">
        Send it as <code>Authorization: Bearer …</code>, or paste it on the sign-in screen.
      </p>
    </div>
  );
}
