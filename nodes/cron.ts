// Five-field cron expressions (minute hour day-of-month month day-of-week), checked where a workflow is compiled so
// a bad one is a diagnostic rather than Temporal's refusal at activation. Temporal evaluates the schedule; this
// module only validates and bounds it. Minute resolution on purpose: no seconds field, no `@every` shorthand (the
// interval mode says that).

interface FieldRange {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const FIELDS: readonly FieldRange[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  // 7 is Sunday too, as in most cron dialects (Temporal's among them).
  { name: 'day of week', min: 0, max: 7, names: WEEKDAYS },
];

export type CronCheck = { ok: true; minutes: number[] } | { ok: false; message: string };

function valueOf(token: string, range: FieldRange): number | undefined {
  const named = range.names?.indexOf(token.toLowerCase() as never) ?? -1;
  if (named >= 0) return named + (range.name === 'month' ? 1 : 0);
  if (!/^\d{1,2}$/.test(token)) return undefined;
  const n = Number(token);
  return n >= range.min && n <= range.max ? n : undefined;
}

/** The values one field selects, or an error naming the field. */
function expand(field: string, range: FieldRange): number[] | string {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [span, stepText, extra] = part.split('/');
    if (extra !== undefined || span === undefined || span === '') return `the ${range.name} field "${field}" is not valid`;
    const step = stepText === undefined ? 1 : /^\d{1,2}$/.test(stepText) ? Number(stepText) : 0;
    if (step < 1) return `the ${range.name} field "${field}" has an invalid step`;
    let from: number | undefined;
    let to: number | undefined;
    if (span === '*') [from, to] = [range.min, range.max];
    else {
      const [a, b, more] = span.split('-');
      if (more !== undefined || a === undefined) return `the ${range.name} field "${field}" is not valid`;
      from = valueOf(a, range);
      to = b === undefined ? (stepText === undefined ? from : range.max) : valueOf(b, range);
    }
    if (from === undefined || to === undefined || from > to)
      return `the ${range.name} field "${field}" is out of range ${range.min}-${range.max}`;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return [...values].sort((x, y) => x - y);
}

/** Checks a five-field cron expression; on success, the minutes of the hour it fires at. */
export function checkCron(expression: string): CronCheck {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return { ok: false, message: 'A cron expression has five fields: minute hour day-of-month month day-of-week' };
  let minutes: number[] = [];
  for (const [i, range] of FIELDS.entries()) {
    const expanded = expand(fields[i] as string, range);
    if (typeof expanded === 'string') return { ok: false, message: `In the cron expression, ${expanded}` };
    if (i === 0) minutes = expanded;
  }
  return { ok: true, minutes };
}

/**
 * A lower bound of the time between two firings, in seconds: the smallest gap between the minutes it fires at,
 * around the hour. Exact when every hour fires (the frequent case a minimum interval is about); other hours only
 * widen the real gaps.
 */
export function cronMinGapSeconds(minutes: readonly number[]): number {
  if (minutes.length <= 1) return 3600;
  let gap = 60 - (minutes[minutes.length - 1] as number) + (minutes[0] as number);
  for (let i = 1; i < minutes.length; i++) gap = Math.min(gap, (minutes[i] as number) - (minutes[i - 1] as number));
  return gap * 60;
}

/** Whether the runtime knows the IANA time zone (Temporal's tz database and Node's ICU agree on the names). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
