import { describe, expect, it } from 'vitest';
import { limitHeapGrowth } from './heap-growth.js';

describe('limitHeapGrowth', () => {
  it('applies its factor to a process started without one', () => {
    expect(limitHeapGrowth(['--enable-source-maps'], '--max-old-space-size=512')).toBe(true);
  });

  it('leaves a factor given on the command line or in NODE_OPTIONS', () => {
    expect(limitHeapGrowth(['--heap-growing-percent=10'], '')).toBe(false);
    expect(limitHeapGrowth([], '--enable-source-maps --heap_growing_percent=80')).toBe(false);
    expect(limitHeapGrowth(['--heap-growing-percent', '10'], '')).toBe(false);
  });
});
