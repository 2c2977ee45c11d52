// Delivers queued notifications with retries and exponential backoff. Runs beside the Temporal worker; several
// workers may run it, each message is claimed by its row update, and a failed channel is logged, never fatal.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Database } from '../../db/client.js';
import type { LoomMetrics } from '../../platform/metrics.js';
import { claimNotification, dueNotifications, markAttemptFailed, markSent, type OutboxRow } from '../../db/outbox-store.js';
import type { Logger } from '../../platform/logger.js';

const MAX_ATTEMPTS = 10;
const BATCH = 20;

export interface OutboxDispatcher {
  /** Delivers everything due now (tests call this instead of waiting for the timer). */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

function backoffMs(attempts: number): number {
  return Math.min(5 * 60_000, 1_000 * 2 ** attempts);
}

export interface EmailSettings {
  /** smtp://user:pass@host:port (smtps:// for TLS). */
  smtpUrl: string;
  from: string;
}

async function deliver(row: OutboxRow, email: { transport: Transporter; from: string } | undefined): Promise<void> {
  if (row.channel === 'webhook') {
    const res = await fetch(row.target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(row.payload),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    return;
  }
  if (row.channel === 'email') {
    if (!email) throw new Error('No SMTP server configured (LOOM_SMTP_URL)');
    const { subject, text } = row.payload as { subject: string; text: string };
    await email.transport.sendMail({ from: email.from, to: row.target, subject, text });
    return;
  }
  throw new Error(`No delivery for channel ${row.channel}`);
}

/** A slow or silent mail server must not hold the dispatcher: bound connecting and talking. */
function withTimeouts(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  if (!url.searchParams.has('connectionTimeout')) url.searchParams.set('connectionTimeout', '10000');
  if (!url.searchParams.has('socketTimeout')) url.searchParams.set('socketTimeout', '20000');
  return url.toString();
}

export function startOutboxDispatcher(options: {
  db: Database;
  log: Logger;
  intervalMs?: number;
  email?: EmailSettings | undefined;
  metrics?: LoomMetrics | undefined;
}): OutboxDispatcher {
  const { db, log } = options;
  const email = options.email
    ? { transport: nodemailer.createTransport(withTimeouts(options.email.smtpUrl)), from: options.email.from }
    : undefined;
  let draining: Promise<number> | undefined;
  const drainOnce = async (): Promise<number> => {
    let sent = 0;
    for (const row of await dueNotifications(db, BATCH)) {
      if (!(await claimNotification(db, row.id))) continue;
      try {
        await deliver(row, email);
        await markSent(db, row.id);
        sent++;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const attempts = row.attempts + 1;
        const next = attempts < MAX_ATTEMPTS ? new Date(Date.now() + backoffMs(attempts)) : undefined;
        log.warn(
          { notification: row.id, requestId: row.requestId, channel: row.channel, attempts, retrying: next !== undefined },
          `notification delivery failed: ${message}`,
        );
        options.metrics?.outboxFailures.inc();
        await markAttemptFailed(db, row.id, message, next);
      }
    }
    return sent;
  };
  const drain = () => (draining ??= drainOnce().finally(() => (draining = undefined)));
  const timer = setInterval(
    () => void drain().catch((err: unknown) => log.error({ err }, 'outbox dispatcher failed')),
    options.intervalMs ?? 2_000,
  );
  timer.unref();
  return {
    drain,
    async stop() {
      clearInterval(timer);
      await draining;
      email?.transport.close();
    },
  };
}
