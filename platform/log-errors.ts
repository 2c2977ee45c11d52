// How an error appears in a log line. A failed query's error (drizzle's DrizzleQueryError) carries the SQL and every
// bound parameter, in its `params` and in its message: logged whole, one bad insert wrote a user's entire workflow
// document (and whatever else it held) into the log. Parameters are data, not diagnosis: they never reach a log line,
// and any message or SQL text is cut to a length a person reads.
import { pino } from 'pino';

const MAX_TEXT = 2_000;

const cut = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}… [${text.length - MAX_TEXT} more characters]` : text);

/** drizzle puts "\nparams: <every parameter>" after the SQL in the message of a failed query. */
const withoutParams = (text: string) => text.replace(/\nparams: [\s\S]*?(?=\n {4}at |$)/g, '\nparams: [not logged]');

export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const plain = compact(pino.stdSerializers.err(err) as Record<string, unknown>);
  // The cause (the driver's own error, with its SQLSTATE code) is kept, compacted the same way, a few levels deep.
  if (err.cause instanceof Error && depth < 4) plain.cause = serializeError(err.cause, depth + 1);
  return plain;
}

function compact(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'params') out[key] = '[not logged]';
    else if (typeof v === 'string') out[key] = cut(key === 'message' || key === 'stack' ? withoutParams(v) : v);
    else if (typeof v === 'object' && v !== null) out[key] = cut(stringified(v));
    else out[key] = v;
  }
  return out;
}

function stringified(value: object): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '[not serialisable]'; // Circular, or nested past the stack: a log line must not throw.
  }
}
