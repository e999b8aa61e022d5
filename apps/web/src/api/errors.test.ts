import { describe, expect, it } from 'vitest';
import { conflictRevision, describeError, isUnauthorized, issueFor } from './errors';

class FakeTrpcError extends Error {
  constructor(
    message: string,
    readonly data: unknown,
  ) {
    super(message);
  }
}

describe('describeError', () => {
  it('reads the code, the zod issues, problems and usedBy of a tRPC error', () => {
    const error = new FakeTrpcError('invalid input: name: name is required', {
      code: 'BAD_REQUEST',
      zodError: { issues: [{ path: 'name', message: 'name is required' }, { nope: 1 }] },
      problems: [{ code: 'no_trigger', message: 'no trigger' }],
      usedBy: ['Orders', 3],
    });
    const info = describeError(error);
    expect(info.code).toBe('BAD_REQUEST');
    expect(info.fieldIssues).toEqual([{ path: 'name', message: 'name is required' }]);
    expect(info.problems).toHaveLength(1);
    expect(info.usedBy).toEqual(['Orders']);
    expect(issueFor(info, 'name')).toBe('name is required');
  });

  it('explains a network failure', () => {
    const info = describeError(new TypeError('Failed to fetch'));
    expect(info.code).toBeNull();
    expect(info.message).toMatch(/cannot be reached/);
  });

  it('handles non-errors', () => {
    expect(describeError('boom').message).toBe('boom');
    expect(describeError(42).message).toBe('something went wrong');
  });
});

describe('auth and conflicts', () => {
  it('recognises UNAUTHORIZED', () => {
    expect(isUnauthorized(new FakeTrpcError('no', { code: 'UNAUTHORIZED' }))).toBe(true);
    expect(isUnauthorized(new Error('x'))).toBe(false);
  });

  it('reads the current revision from a draft conflict', () => {
    const error = new FakeTrpcError(
      'the scenario was changed since revision 3: the current revision is 5; reload it and apply your changes again',
      { code: 'CONFLICT' },
    );
    expect(conflictRevision(error)).toBe(5);
    expect(conflictRevision(new FakeTrpcError('x', { code: 'BAD_REQUEST' }))).toBeNull();
  });
});
