// One pino logger for the process. Redaction of secrets is configured here, in one place: the paths below never
// reach a log line, and every message and logged value passes through platform/redact.ts on its way out.
import { pino, type DestinationStream, type LoggerOptions, type Logger } from 'pino';
import { serializeError } from './log-errors.js';
import { redactDeep, redactText } from './redact.js';

export type { Logger };

/** Paths whose values never reach a log line, whatever component logs them. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.token',
];

/** Every argument of a log call, sanitised: the merging object (or error), the message and printf arguments. */
function sanitiseArguments(args: readonly unknown[]): unknown[] {
  return args.map((arg) => (typeof arg === 'string' ? redactText(arg) : typeof arg === 'object' && arg !== null ? redactDeep(arg) : arg));
}

function loggerOptions(options: { level: string; name?: string }): LoggerOptions {
  return {
    name: options.name ?? 'loom',
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    // Errors are logged compact: never a failed query's parameters (log-errors.ts).
    serializers: { err: serializeError, error: serializeError },
    hooks: {
      logMethod(args, method) {
        // pino's own argument handling (an Error first, printf-style formatting) sees the sanitised copies.
        method.apply(this, sanitiseArguments(args) as Parameters<typeof method>);
      },
    },
  };
}

/** `destination`: write there instead of stdout (tests read what a logger wrote). */
export function createLogger(options: { level: string; pretty?: boolean; name?: string }, destination?: DestinationStream): Logger {
  const base = loggerOptions(options);
  if (destination) return pino(base, destination);
  return pino({
    ...base,
    ...(options.pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } }
      : {}),
  });
}
