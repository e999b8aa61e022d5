// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiToken, CreatedApiToken } from '../api/types';
import { fire, type Rendered, render } from '../test/render';
import { NewTokenSecret } from './NewTokenSecret';
import { TokenTable } from './TokenTable';

let rendered: Rendered | null = null;
afterEach(() => {
  rendered?.unmount();
  rendered = null;
});

const now = new Date('2026-06-01T12:00:00Z');
const token = (over: Partial<ApiToken>): ApiToken => ({
  id: '0123456789abcdef01234567',
  name: 'ci',
  prefix: 'weft_abcdef',
  scope: 'editor',
  expiresAt: null,
  createdAt: new Date('2026-05-01T12:00:00Z'),
  lastUsedAt: null,
  revokedAt: null,
  ...over,
});

describe('TokenTable', () => {
  it('lists name, scope, expiry (never, a date, expired) and revokes only live tokens', () => {
    const onRevoke = vi.fn();
    const tokens = [
      token({ id: 'a'.repeat(24), name: 'admin', scope: 'admin' }),
      token({
        id: 'b'.repeat(24),
        name: 'dashboard',
        scope: 'read-only',
        expiresAt: new Date('2026-07-01T00:00:00Z'),
      }),
      token({ id: 'c'.repeat(24), name: 'old', expiresAt: new Date('2026-05-15T00:00:00Z') }),
      token({ id: 'd'.repeat(24), name: 'gone', revokedAt: new Date('2026-05-20T00:00:00Z') }),
    ];
    rendered = render(
      <TokenTable tokens={tokens} currentId={'a'.repeat(24)} now={now} onRevoke={onRevoke} />,
    );
    const row = (id: string) => rendered!.container.querySelector(`tr[data-token-id="${id.repeat(24)}"]`)!;
    const cells = (id: string) => [...row(id).querySelectorAll('td')].map((td) => td.textContent?.trim());
    expect(cells('a')[0]).toContain('this browser');
    expect(cells('a')[1]).toBe('admin');
    expect(cells('a')[3]).toBe('never');
    expect(cells('b')[1]).toBe('read-only');
    expect(cells('b')[3]).not.toContain('expired');
    expect(cells('c')[3]).toContain('expired');
    expect(cells('d')[5]).toContain('revoked');
    expect(row('d').querySelector('button')).toBeNull();
    fire(row('b').querySelector('button')!, new MouseEvent('click', { bubbles: true }));
    expect(onRevoke).toHaveBeenCalledWith(tokens[1]);
  });

  it('shows a new token’s secret with its scope and expiry, saying it is shown once', () => {
    const created: CreatedApiToken = {
      ...token({ name: 'deploy', scope: 'read-only', expiresAt: new Date('2026-06-08T12:00:00Z') }),
      token: 'weft_the-secret-value-0123456789',
    };
    rendered = render(<NewTokenSecret created={created} />);
    const text = rendered.container.textContent ?? '';
    expect(rendered.container.querySelector('[data-testid="new-token-secret"]')?.textContent).toBe(
      created.token,
    );
    expect(text).toContain('scope read-only');
    expect(text).toContain('not shown again');
    expect(text).toMatch(/expires /);
  });
});
