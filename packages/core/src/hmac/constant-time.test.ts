import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from './constant-time.js';

describe('constantTimeEqual', () => {
  it('is true only for identical bytes', () => {
    expect(constantTimeEqual(Buffer.from('abc'), new Uint8Array([0x61, 0x62, 0x63]))).toBe(true);
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abd'))).toBe(false);
  });

  it('answers false instead of throwing when the lengths differ', () => {
    expect(() => constantTimeEqual(Buffer.alloc(32), Buffer.alloc(31))).not.toThrow();
    expect(constantTimeEqual(Buffer.alloc(32), Buffer.alloc(31))).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), Buffer.alloc(32))).toBe(false);
  });
});
