import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchOverdue, type OverdueFlag } from './overdue-watch.js';

describe('overdue watch', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  const start = () => {
    const flags: OverdueFlag[] = [];
    const watch = watchOverdue({ expectedMs: 1_000, startedAt: Date.now(), onOverdue: (f) => flags.push(f) });
    return { flags, watch };
  };

  it('flags a silent node once, when its expected duration has passed', () => {
    const { flags, watch } = start();
    vi.advanceTimersByTime(999);
    expect(flags).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(flags).toEqual([{ expectedMs: 1_000, elapsedMs: 1_000, silentMs: 1_000, lastProgressAt: null, occurrence: 1 }]);
    vi.advanceTimersByTime(10_000);
    expect(flags).toHaveLength(1);
    watch.stop();
  });

  it('does not flag a node that keeps reporting progress, and flags it when it falls silent again', () => {
    const { flags, watch } = start();
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(800);
      watch.touch();
    }
    expect(flags).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(flags).toEqual([
      { expectedMs: 1_000, elapsedMs: 5_000, silentMs: 1_000, lastProgressAt: '2026-12-01T10:00:04.000Z', occurrence: 1 },
    ]);
    watch.touch();
    vi.advanceTimersByTime(1_000);
    expect(flags.map((f) => f.occurrence)).toEqual([1, 2]);
    watch.stop();
  });

  it('never flags after stop', () => {
    const { flags, watch } = start();
    vi.advanceTimersByTime(500);
    watch.stop();
    watch.touch();
    vi.advanceTimersByTime(5_000);
    expect(flags).toEqual([]);
  });
});
