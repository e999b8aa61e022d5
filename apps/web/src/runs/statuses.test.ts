import { FINAL_RUN_STATUSES, RUN_STATUSES } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { FINAL_STATUS_LIST, RUN_STATUS_LIST } from './statuses';

describe('status lists', () => {
  it("equal core's", () => {
    expect([...RUN_STATUS_LIST]).toEqual([...RUN_STATUSES]);
    expect([...FINAL_STATUS_LIST]).toEqual([...FINAL_RUN_STATUSES]);
  });
});
