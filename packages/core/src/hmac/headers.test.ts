import { describe, expect, it } from 'vitest';
import { getFirstHeader, getHeader } from './headers.js';

describe('getHeader', () => {
  it('finds headers regardless of case on either side', () => {
    expect(getHeader({ 'x-hub-signature-256': 'a' }, 'X-Hub-Signature-256')).toBe('a');
    expect(getHeader({ 'X-Hub-Signature-256': 'b' }, 'x-hub-signature-256')).toBe('b');
  });

  it('takes the first value of a repeated header and trims it', () => {
    expect(getHeader({ 'webhook-id': [' msg_1 ', 'msg_2'] }, 'webhook-id')).toBe('msg_1');
  });

  it('treats absent, undefined, blank and empty-array headers as missing', () => {
    expect(getHeader({}, 'x-signature')).toBeUndefined();
    expect(getHeader({ 'x-signature': undefined }, 'x-signature')).toBeUndefined();
    expect(getHeader({ 'x-signature': '   ' }, 'x-signature')).toBeUndefined();
    expect(getHeader({ 'x-signature': [] }, 'x-signature')).toBeUndefined();
  });
});

describe('getFirstHeader', () => {
  it('returns the first present name in order of preference', () => {
    expect(getFirstHeader({ 'svix-id': 's', 'webhook-id': 'w' }, ['webhook-id', 'svix-id'])).toEqual({
      name: 'webhook-id',
      value: 'w',
    });
    expect(getFirstHeader({ 'svix-id': 's' }, ['webhook-id', 'svix-id'])).toEqual({
      name: 'svix-id',
      value: 's',
    });
    expect(getFirstHeader({}, ['webhook-id'])).toBeUndefined();
  });
});
