// One pino logger for the process. Redaction of secrets is configured here, in one place.
import { pino, type Logger } from 'pino';

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

export function createLogger(options: { level: string; pretty?: boolean; name?: string }): Logger {
  return pino({
    name: options.name ?? 'loom',
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    ...(options.pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } }
      : {}),
  });
}
