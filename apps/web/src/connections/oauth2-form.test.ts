import { describe, expect, it } from 'vitest';
import { oauth2FormOf, oauth2FormProblems, oauth2InputOf } from './oauth2-form';

const filled = {
  ...oauth2FormOf(),
  grant: 'client_credentials' as const,
  clientId: 'weft',
  clientSecret: 's',
  tokenUrl: 'https://auth.example/token',
};

describe('the OAuth2 connection form', () => {
  it('no OAuth2 chosen: no input, no problem', () => {
    expect(oauth2InputOf(oauth2FormOf())).toBeNull();
    expect(oauth2FormProblems(oauth2FormOf()).size).toBe(0);
  });

  it('a missing client id is named with core’s message; a missing secret too', () => {
    const problems = oauth2FormProblems({ ...filled, clientId: '', clientSecret: '' });
    expect(Object.fromEntries(problems)).toEqual({
      clientId: 'oauth2.clientId is required: an OAuth2 connection needs a client id',
      clientSecret:
        'secrets.clientSecret is required: the client_credentials grant authenticates with the client secret',
    });
    // Editing a connection: its secret is not part of the form, only the client id is named.
    expect([...oauth2FormProblems({ ...filled, clientId: '', clientSecret: '' }, true).keys()]).toEqual([
      'clientId',
    ]);
  });

  it('authorization code needs the authorize URL; scopes split on spaces and commas', () => {
    const form = { ...filled, grant: 'authorization_code' as const, scopes: 'openid, offline_access  crm' };
    expect(Object.fromEntries(oauth2FormProblems(form))).toEqual({
      authorizeUrl: 'oauth2.authorizeUrl is required for the authorization_code grant',
    });
    expect(
      oauth2InputOf({ ...form, authorizeUrl: 'https://auth.example/authorize', refreshAheadSec: '120' }),
    ).toEqual({
      grant: 'authorization_code',
      clientId: 'weft',
      tokenUrl: 'https://auth.example/token',
      authorizeUrl: 'https://auth.example/authorize',
      scopes: ['openid', 'offline_access', 'crm'],
      clientAuth: 'basic',
      refreshAheadSec: 120,
    });
  });

  it('an expiry predicate that does not parse is named', () => {
    expect(oauth2FormProblems({ ...filled, expiredWhen: 'response.(' }).get('expiredWhen')).toMatch(
      /^oauth2.expiredWhen is not a valid expression/,
    );
  });
});
