import { describe, expect, it } from 'vitest';
import { formatWait } from './human.js';

describe('formatWait', () => {
  it('says a Retry-After the way a person reads it', () => {
    expect(formatWait(200)).toBe('1 s');
    expect(formatWait(60_000)).toBe('60 s');
    expect(formatWait(15 * 60_000)).toBe('15 min');
    expect(formatWait(5 * 3_600_000)).toBe('5 h');
  });
});
