// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Rendered, render, typeInto } from '../test/render';
import { OAuth2Fields } from './OAuth2Fields';
import { type OAuth2Form, oauth2FormOf, oauth2FormProblems } from './oauth2-form';

let rendered: Rendered | null = null;
afterEach(() => {
  rendered?.unmount();
  rendered = null;
});

function renderFields(form: OAuth2Form, options: { editing?: boolean; hasClientSecret?: boolean } = {}) {
  const onChange = vi.fn();
  rendered = render(
    <OAuth2Fields
      form={form}
      onChange={onChange}
      problems={oauth2FormProblems(form, options.editing)}
      hasClientSecret={options.hasClientSecret ?? false}
      editing={options.editing ?? false}
      publicUrlHint="https://weft.example/oauth2/callback"
    />,
  );
  const field = (id: string) => rendered!.container.querySelector<HTMLInputElement>(`#${id}`);
  const errorOf = (id: string) =>
    rendered!.container.querySelector(`.field-invalid:has(#${id}) .field-error`)?.textContent ?? null;
  return { onChange, field, errorOf };
}

describe('OAuth2Fields', () => {
  it('without OAuth2 shows only the choice', () => {
    const { field } = renderFields(oauth2FormOf());
    expect(field('oauth2-grant')).not.toBeNull();
    expect(field('oauth2-clientId')).toBeNull();
  });

  it('names a missing client id and client secret under their fields; typing reports the change', () => {
    const form = { ...oauth2FormOf(), grant: 'client_credentials' as const, tokenUrl: 'https://auth.example/token' };
    const { field, errorOf, onChange } = renderFields(form);
    expect(errorOf('oauth2-clientId')).toBe('oauth2.clientId is required: an OAuth2 connection needs a client id');
    expect(errorOf('oauth2-clientSecret')).toMatch(/^secrets.clientSecret is required/);
    expect(field('oauth2-authorizeUrl')).toBeNull();
    typeInto(field('oauth2-clientId')!, 'weft');
    expect(onChange).toHaveBeenLastCalledWith({ ...form, clientId: 'weft' });
  });

  it('the authorization code grant asks for the authorize URL and names the redirect URI to register', () => {
    const form = { ...oauth2FormOf(), grant: 'authorization_code' as const, clientId: 'weft', tokenUrl: 'https://a/token' };
    const { errorOf, field } = renderFields(form);
    expect(errorOf('oauth2-authorizeUrl')).toBe('oauth2.authorizeUrl is required for the authorization_code grant');
    typeInto(field('oauth2-authorizeUrl')!, 'https://a/authorize');
    rendered!.rerender(
      <OAuth2Fields
        form={{ ...form, authorizeUrl: 'https://a/authorize' }}
        onChange={() => undefined}
        problems={new Map()}
        hasClientSecret={false}
        editing={false}
        publicUrlHint="https://weft.example/oauth2/callback"
      />,
    );
    expect(rendered!.container.textContent).toContain('Register https://weft.example/oauth2/callback');
  });

  it('editing: the client secret is left to Rotate secret', () => {
    const form = { ...oauth2FormOf(), grant: 'client_credentials' as const, clientId: 'weft', tokenUrl: 'https://a/token' };
    const { field, errorOf } = renderFields(form, { editing: true, hasClientSecret: true });
    expect(field('oauth2-clientSecret')?.disabled).toBe(true);
    expect(errorOf('oauth2-clientSecret')).toBeNull();
  });
});
