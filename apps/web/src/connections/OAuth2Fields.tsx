/** The OAuth2 section of the connection form: grant, client, endpoints, renewal. */
import { Field } from '../components/ui';
import type { OAuth2Choice, OAuth2Form } from './oauth2-form';

const GRANTS: readonly { value: OAuth2Choice; label: string }[] = [
  { value: 'none', label: 'No OAuth2 (secrets only)' },
  { value: 'client_credentials', label: 'OAuth2: client credentials (server to server)' },
  { value: 'authorization_code', label: 'OAuth2: authorization code with PKCE (a person signs in)' },
];

export function OAuth2Fields({
  form,
  onChange,
  problems,
  hasClientSecret,
  editing,
  publicUrlHint,
}: {
  form: OAuth2Form;
  onChange: (form: OAuth2Form) => void;
  /** By field: the form's own checks first, then the server's. */
  problems: ReadonlyMap<string, string>;
  /** Editing: the connection holds a client secret already (it is never shown). */
  hasClientSecret: boolean;
  /** Editing an existing connection: its secrets change with Rotate secret, not here. */
  editing: boolean;
  publicUrlHint: string;
}) {
  const set = <K extends keyof OAuth2Form>(key: K, value: OAuth2Form[K]) =>
    onChange({ ...form, [key]: value });
  const text = (
    key: 'clientId' | 'tokenUrl' | 'authorizeUrl' | 'scopes' | 'audience' | 'refreshAheadSec' | 'expiredWhen',
  ) => ({
    id: `oauth2-${key}`,
    value: form[key],
    onChange: (event: { target: { value: string } }) => set(key, event.target.value),
  });
  return (
    <fieldset className="fieldset" data-testid="oauth2-fields">
      <Field label="Authentication" htmlFor="oauth2-grant">
        <select
          id="oauth2-grant"
          value={form.grant}
          onChange={(event) => set('grant', event.target.value as OAuth2Choice)}
        >
          {GRANTS.map((g) => (
            <option key={g.value} value={g.value}>
              {g.label}
            </option>
          ))}
        </select>
      </Field>
      {form.grant === 'none' ? null : (
        <>
          <Field label="Client id" htmlFor="oauth2-clientId" required error={problems.get('clientId')}>
            <input {...text('clientId')} autoComplete="off" />
          </Field>
          <Field
            label="Client secret"
            htmlFor="oauth2-clientSecret"
            required={form.grant === 'client_credentials' && !editing}
            error={problems.get('clientSecret')}
            hint={
              editing
                ? hasClientSecret
                  ? 'Stored encrypted; Rotate secret replaces it.'
                  : 'Set it as clientSecret with Rotate secret / Set secret.'
                : 'Stored encrypted as secrets.clientSecret; never shown again. Optional for a public client with PKCE.'
            }
          >
            <input
              id="oauth2-clientSecret"
              type="password"
              autoComplete="new-password"
              value={form.clientSecret}
              disabled={editing}
              onChange={(event) => set('clientSecret', event.target.value)}
            />
          </Field>
          <Field label="Token URL" htmlFor="oauth2-tokenUrl" required error={problems.get('tokenUrl')}>
            <input {...text('tokenUrl')} placeholder="https://auth.example.com/oauth/token" />
          </Field>
          {form.grant === 'authorization_code' ? (
            <Field
              label="Authorize URL"
              htmlFor="oauth2-authorizeUrl"
              required
              error={problems.get('authorizeUrl')}
              hint={`Register ${publicUrlHint} as the client's redirect URI.`}
            >
              <input {...text('authorizeUrl')} placeholder="https://auth.example.com/oauth/authorize" />
            </Field>
          ) : null}
          <Field
            label="Scopes"
            htmlFor="oauth2-scopes"
            hint="Separated by spaces."
            error={problems.get('scopes')}
          >
            <input {...text('scopes')} placeholder="contacts.read deals.write" />
          </Field>
          <Field
            label="Audience"
            htmlFor="oauth2-audience"
            hint="Only for servers that want one."
            error={problems.get('audience')}
          >
            <input {...text('audience')} />
          </Field>
          <Field label="Client authentication" htmlFor="oauth2-clientAuth">
            <select
              id="oauth2-clientAuth"
              value={form.clientAuth}
              onChange={(event) => set('clientAuth', event.target.value as 'basic' | 'post')}
            >
              <option value="basic">HTTP Basic header</option>
              <option value="post">In the form body</option>
            </select>
          </Field>
          <Field
            label="Renew ahead (seconds)"
            htmlFor="oauth2-refreshAheadSec"
            hint="A token is renewed this long before it expires."
            error={problems.get('refreshAheadSec')}
          >
            <input {...text('refreshAheadSec')} inputMode="numeric" />
          </Field>
          <Field
            label="Token expired when"
            htmlFor="oauth2-expiredWhen"
            hint='Besides 401: a JSONata condition over response, e.g. response.body.error = "token_expired".'
            error={problems.get('expiredWhen')}
          >
            <input {...text('expiredWhen')} className="mono" />
          </Field>
        </>
      )}
    </fieldset>
  );
}
