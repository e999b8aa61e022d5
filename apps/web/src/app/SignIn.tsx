import { type FormEvent, useState } from 'react';
import { describeError } from '../api/errors';
import { createApiClient } from '../api/trpc';
import { Button, Field } from '../components/ui';
import { normalizeToken, tokenFormatProblem } from './token-store';

/** Paste a token; it is checked with `auth.whoami` before it is kept. */
export function SignIn({ onSignedIn, reason }: { onSignedIn: (token: string) => void; reason: string | null }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const token = normalizeToken(value);
    const problem = tokenFormatProblem(token);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await createApiClient(token).auth.whoami.query();
      onSignedIn(token);
    } catch (caught) {
      const info = describeError(caught);
      setError(info.code === 'UNAUTHORIZED' ? `This token is not valid: ${info.message}` : info.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit}>
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden />
          Weft
        </div>
        <h1>Sign in</h1>
        {reason ? (
          <div className="notice notice-bad" role="alert">
            {reason}
          </div>
        ) : (
          <p className="muted">
            Paste an API token of your workspace. The first start of Weft prints one (or set
            <code> WEFT_BOOTSTRAP_TOKEN</code>). It is kept in this browser only.
          </p>
        )}
        <Field label="API token" htmlFor="token" error={error}>
          <input
            id="token"
            name="token"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="weft_…"
            value={value}
            onChange={(event) => setValue(event.target.value)}
          />
        </Field>
        <Button type="submit" variant="primary" busy={busy}>
          Sign in
        </Button>
      </form>
    </main>
  );
}
