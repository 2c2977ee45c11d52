import { describe, expect, it } from 'vitest';
import { checkCron, cronMinGapSeconds, isKnownTimeZone } from './cron.js';
import { scheduleTimingOf, scheduleTrigger } from './triggers.js';

describe('cron expressions', () => {
  it('accepts the five-field forms Temporal reads, with the minutes they fire at', () => {
    expect(checkCron('0 9 * * 1-5')).toEqual({ ok: true, minutes: [0] });
    expect(checkCron('*/15 * * * *')).toEqual({ ok: true, minutes: [0, 15, 30, 45] });
    expect(checkCron('5,10-12 0 1 jan-mar SUN')).toEqual({ ok: true, minutes: [5, 10, 11, 12] });
    expect(checkCron('10/20 * * * 7')).toEqual({ ok: true, minutes: [10, 30, 50] });
  });

  it('refuses what is not one, naming the field', () => {
    expect(checkCron('* * * *')).toMatchObject({ ok: false, message: expect.stringContaining('five fields') });
    expect(checkCron('60 * * * *')).toMatchObject({ ok: false, message: expect.stringContaining('minute') });
    expect(checkCron('* 24 * * *')).toMatchObject({ ok: false, message: expect.stringContaining('hour') });
    expect(checkCron('* * 0 * *')).toMatchObject({ ok: false, message: expect.stringContaining('day of month') });
    expect(checkCron('* * * foo *')).toMatchObject({ ok: false, message: expect.stringContaining('month') });
    expect(checkCron('*/0 * * * *')).toMatchObject({ ok: false, message: expect.stringContaining('step') });
    expect(checkCron('5-1 * * * *').ok).toBe(false);
    expect(checkCron('@every 1s x y z').ok).toBe(false);
  });

  it('bounds the gap between firings from below', () => {
    expect(cronMinGapSeconds([0])).toBe(3600);
    expect(cronMinGapSeconds([0, 15, 30, 45])).toBe(900);
    expect(cronMinGapSeconds([0, 50])).toBe(600);
    expect(cronMinGapSeconds(Array.from({ length: 60 }, (_, i) => i))).toBe(60);
  });

  it('knows IANA time zones', () => {
    expect(isKnownTimeZone('Europe/Berlin')).toBe(true);
    expect(isKnownTimeZone('UTC')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('the schedule trigger', () => {
  const parse = (config: object) => scheduleTrigger.configSchema.safeParse(config);

  it('reads an interval in seconds or minutes, with skip and no pause on failure by default', () => {
    expect(scheduleTimingOf({ mode: 'interval', everySeconds: 90 })).toEqual({
      when: { everySeconds: 90 },
      minGapSeconds: 90,
      overlap: 'skip',
      pauseOnFailure: false,
    });
    expect(scheduleTimingOf({ mode: 'interval', everyMinutes: 2, overlap: 'bufferOne', pauseOnFailure: true })).toMatchObject({
      when: { everySeconds: 120 },
      overlap: 'bufferOne',
      pauseOnFailure: true,
    });
    expect(scheduleTimingOf({ cron: '*/5 * * * *', timezone: 'Europe/Berlin' })).toMatchObject({
      when: { cron: '*/5 * * * *', timezone: 'Europe/Berlin' },
      minGapSeconds: 300,
    });
  });

  it('refuses a bad cron, an unknown time zone, an interval set twice or not at all, and expressions', () => {
    const paths = (config: object) => {
      const r = parse(config);
      return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    };
    expect(paths({ cron: '61 * * * *' })).toEqual(['cron']);
    expect(paths({ cron: '0 * * * *', timezone: 'Nowhere/Land' })).toEqual(['timezone']);
    expect(paths({ mode: 'interval' })).toEqual(['everySeconds']);
    expect(paths({ mode: 'interval', everySeconds: 5, everyMinutes: 1 })).toEqual(['everySeconds']);
    expect(paths({ mode: 'interval', everySeconds: '{{ $json.n }}' })).toEqual(['everySeconds']);
    expect(paths({ mode: 'interval', everySeconds: 5, overlap: 'sometimes' })).toEqual(['overlap']);
    expect(scheduleTimingOf({ cron: 'nope' })).toBeUndefined();
  });
});
