import { describe, expect, it } from 'vitest';
import { RUN_EVENT_TYPES } from '../db/schema.js';
import { REDACTED, SecretRegistry } from '../platform/redact.js';
import { eventBuilders, RunEventSchema, type RunEvent } from './events.js';

const secret = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
const flag = { expectedMs: 1_000, elapsedMs: 1_500, silentMs: 1_500, lastProgressAt: null, occurrence: 1 };
const request = {
  id: 'req_1',
  nodeId: 'ask',
  question: `Use ${secret}?`,
  options: [{ value: 'yes', label: `Yes, with ${secret}` }],
  details: { note: `token=${secret}` },
  expiresAt: Date.parse('2026-12-03T12:00:00Z'),
};

/** One event of every type the builders make, each carrying the secret wherever the type holds a value. */
function everyEvent(known?: Iterable<string>): RunEvent[] {
  const b = eventBuilders(known);
  const built = [
    b.runStatus('running', {}),
    b.runStatus('paused', {}),
    b.runStatus('resumed', {}, 1),
    b.runStatus('completed', { output: { echoed: secret } }),
    b.runStatus('failed', { error: { code: 'X', message: secret } }),
    b.runStatus('cancelled', {}),
    b.nodeStarted('n', 1, { body: secret }),
    b.nodeCompleted('n', { body: secret }, 12),
    b.nodeFailed('n', { code: 'X', message: secret }),
    b.nodeRetrying('n', 1, { code: 'X', message: secret }),
    b.nodeOverdue('n', 1, flag),
    b.nodeSkipped('n'),
    b.nodeCancelled('n'),
    b.progress({ key: 'progress:n:1:1', nodeId: 'n', message: `sent ${secret}`, fraction: 0.5 }),
    b.itemsProgress({ runId: 'r', nodeId: 'n', done: 500, total: 1000, failed: 2 }),
    b.requestOpened({ ...request, kind: 'approval' }),
    b.requestOpened({ ...request, kind: 'question' }),
    b.requestOpened({ ...request, kind: 'recovery' }),
    b.requestClosed({ id: 'req_1', nodeId: 'ask', status: 'answered', answer: secret, by: 'usr_1', via: 'api' }),
    b.requestClosed({ id: 'req_1', nodeId: 'ask', status: 'expired', answer: secret, by: 'timeout', via: 'timer' }),
  ];
  return built.flatMap((e) => (e ? [e] : []));
}

describe('the run event catalogue', () => {
  it('has one schema per type of the run_events column, and builders for every one of them', () => {
    const types = RunEventSchema.options.map((o) => o.shape.type.value);
    expect([...types].sort()).toEqual([...RUN_EVENT_TYPES].sort());
    expect(new Set(everyEvent().map((e) => e.type))).toEqual(new Set(RUN_EVENT_TYPES));
  });

  it('builds events that match their type’s schema', () => {
    for (const event of everyEvent()) expect(RunEventSchema.safeParse(event).success, JSON.stringify(event)).toBe(true);
  });

  it('redacts what looks secret in every event, and the known secrets of an execution', () => {
    const written = JSON.stringify(everyEvent());
    expect(written).not.toContain(secret);
    expect(written).toContain(REDACTED);
    const known = new SecretRegistry();
    known.add('plain-looking-value');
    expect(eventBuilders(known).progress({ key: 'k', nodeId: 'n', message: 'sent plain-looking-value' }).data).toEqual({
      message: `sent ${REDACTED}`,
    });
  });

  it('shows statuses without an event as none, and keys repeated transitions by occurrence', () => {
    const b = eventBuilders();
    expect(b.runStatus('queued', {})).toBeUndefined();
    expect(b.runStatus('resumed', {}, 2)).toEqual({ key: 'run_resumed:2', type: 'run_resumed' });
    expect(b.runStatus('completed', { output: { n: 1 } })).toEqual({
      key: 'run_completed',
      type: 'run_completed',
      data: { output: { n: 1 } },
    });
  });
});
