import { describe, expect, it } from 'vitest';
import { reconnectTarget } from './ReconnectLink';

describe('reconnectTarget', () => {
  it('names the connection of an oauth2_reconnect error only', () => {
    const id = '0123456789abcdef01234567';
    expect(reconnectTarget({ code: 'oauth2_reconnect', details: { connectionId: id } })).toBe(id);
    expect(reconnectTarget({ code: 'oauth2_reconnect' })).toBeNull();
    expect(reconnectTarget({ code: 'http_4xx', details: { connectionId: id } })).toBeNull();
    expect(reconnectTarget(null)).toBeNull();
  });
});
