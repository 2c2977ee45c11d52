// Trigger nodes: how a run starts. Their output is the run's input (the API payload, the webhook request,
// the schedule tick). Webhook and schedule delivery are wired by the gateway and the orchestrator.
import { z } from 'zod';
import { closedObject, shapeFromJsonSchema, STRING } from '../compiler/shapes.js';
import { checkCron, cronMinGapSeconds, isKnownTimeZone } from './cron.js';
import { ExpressionString, field } from './sdk/fields.js';
import { defineNode, parseConfig } from './sdk/node.js';

const triggerShape = {
  kind: 'trigger' as const,
  category: 'trigger' as const,
  inputs: [],
  outputs: [{ name: 'out', dataType: 'json' as const }],
  operations: () => ['pure' as const],
};

export const manualTrigger = defineNode({
  ...triggerShape,
  type: 'trigger.manual',
  version: 1,
  displayName: 'Manual trigger',
  description: 'Starts the workflow when you click Run or call the API; passes the run input on.',
  fields: {
    inputSchema: field.json({
      label: 'Input (JSON Schema)',
      help: 'The shape of the run input; downstream expressions are checked against it',
      schema: z.record(z.string(), z.unknown()),
    }),
  },
  // The run's input is whatever the caller sends: known only when the trigger declares it.
  outputShape: (c) => (c.inputSchema ? shapeFromJsonSchema(c.inputSchema) : undefined),
});

/** How a webhook proves who sent it (orchestrator/webhooks.ts checks it). */
export const WEBHOOK_AUTHENTICATIONS = ['signature', 'header', 'none'] as const;
export const WEBHOOK_RESPONSES = ['immediately', 'whenDone'] as const;

export const webhookTrigger = defineNode({
  ...triggerShape,
  type: 'trigger.webhook',
  version: 1,
  displayName: 'Webhook',
  description:
    'Starts the workflow when an HTTP request arrives at its URL (/v1/hooks/<hook id>); outputs method, headers, query and body.',
  fields: {
    method: field.select(['POST', 'GET', 'PUT', 'PATCH', 'DELETE'], { label: 'HTTP method', default: 'POST' }),
    path: field.string({ label: 'Label', placeholder: 'new-lead', help: 'A name for this hook in lists; its URL is /v1/hooks/<hook id>' }),
    authentication: field.select(
      [
        { value: 'signature', label: 'Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature)' },
        { value: 'header', label: 'Secret token in a header' },
        { value: 'none', label: 'None (anyone with the URL)' },
      ],
      { label: 'Authentication', default: 'signature' },
    ),
    tokenHeader: field.string({ label: 'Token header', default: 'X-Webhook-Token', help: 'For header authentication' }),
    respond: field.select(
      [
        { value: 'immediately', label: 'Immediately (202 with the run id)' },
        { value: 'whenDone', label: 'When the run finishes (its output; 202 past the timeout)' },
      ],
      { label: 'Respond', default: 'immediately' },
    ),
    respondTimeoutSeconds: field.number({ label: 'Wait at most (seconds)', default: 30, min: 1, max: 300, int: true }),
    bodySchema: field.json({
      label: 'Body (JSON Schema)',
      help: 'The shape of the request body; downstream expressions are checked against it',
      schema: z.record(z.string(), z.unknown()),
    }),
  },
  // orchestrator/webhooks.ts triggerOutput: method, headers (authentication removed), query and body.
  outputShape: (c) =>
    closedObject({
      method: STRING,
      headers: { type: 'object', additionalProperties: STRING },
      query: { type: 'object' },
      body: (c.bodySchema ? shapeFromJsonSchema(c.bodySchema) : undefined) ?? {},
    }),
  operations: (c) => [c.authentication === 'none' ? 'public_endpoint' : 'pure'],
  refine: (schema) =>
    schema.superRefine((c, ctx) => {
      // The header name is compared as Node reads headers; an invalid one could never arrive.
      if (typeof c.tokenHeader === 'string' && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/.test(c.tokenHeader))
        ctx.addIssue({ code: 'custom', path: ['tokenHeader'], message: 'Not a valid HTTP header name' });
    }),
});

export const OVERLAP_POLICIES = ['skip', 'bufferOne', 'bufferAll', 'cancelOther', 'allowAll'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** A schedule is fixed when the workflow is activated: no field may be an expression (there is no data yet). */
const SCHEDULE_FIELDS = ['mode', 'everyMinutes', 'everySeconds', 'overlap', 'pauseOnFailure'] as const;

export const scheduleTrigger = defineNode({
  ...triggerShape,
  type: 'trigger.schedule',
  version: 1,
  displayName: 'Schedule',
  description: 'Starts the workflow on a cron schedule or at a fixed interval while the workflow is active (a Temporal Schedule).',
  fields: {
    mode: field.select(
      [
        { value: 'cron', label: 'Cron expression' },
        { value: 'interval', label: 'Every N minutes or seconds' },
      ],
      { label: 'Mode', default: 'cron' },
    ),
    cron: field.string({ label: 'Cron', placeholder: '0 9 * * 1-5', help: 'Five fields: minute hour day-of-month month day-of-week' }),
    everyMinutes: field.number({ label: 'Every (minutes)', min: 1, max: 525_600, int: true }),
    everySeconds: field.number({ label: 'Every (seconds)', min: 1, max: 31_536_000, int: true }),
    timezone: field.string({ label: 'Time zone', default: 'UTC', help: 'IANA name, e.g. Europe/Berlin; cron times are read in it' }),
    overlap: field.select(
      [
        { value: 'skip', label: 'Skip a tick while the previous run is still going' },
        { value: 'bufferOne', label: 'Run one missed tick after the previous run' },
        { value: 'bufferAll', label: 'Run every missed tick, one after another' },
        { value: 'cancelOther', label: 'Stop the previous run, then start' },
        { value: 'allowAll', label: 'Start every tick, runs overlap' },
      ],
      { label: 'When the previous run is still going', default: 'skip' },
    ),
    pauseOnFailure: field.boolean({ label: 'Pause the schedule when a run fails', default: false }),
  },
  refine: (schema) =>
    schema.superRefine((c, ctx) => {
      for (const name of SCHEDULE_FIELDS)
        if (typeof c[name] === 'string' && ExpressionString.safeParse(c[name]).success)
          ctx.addIssue({ code: 'custom', path: [name], message: 'A schedule takes fixed values, not expressions' });
      if (typeof c.timezone === 'string' && !isKnownTimeZone(c.timezone))
        ctx.addIssue({ code: 'custom', path: ['timezone'], message: `"${c.timezone}" is not a known IANA time zone` });
      if (c.mode === 'cron') {
        const check = typeof c.cron === 'string' ? checkCron(c.cron) : { ok: false as const, message: 'Set the cron expression' };
        if (!check.ok) ctx.addIssue({ code: 'custom', path: ['cron'], message: check.message });
      }
      if (c.mode === 'interval' && (c.everyMinutes === undefined) === (c.everySeconds === undefined))
        ctx.addIssue({ code: 'custom', path: ['everySeconds'], message: 'Set the interval: everyMinutes or everySeconds, one of them' });
    }),
});

/** A schedule trigger's config as Temporal needs it: when it fires, and the policies of its Schedule. */
export interface ScheduleTiming {
  when: { cron: string; timezone: string } | { everySeconds: number };
  /** A lower bound of the time between two ticks, held to the operator's minimum. */
  minGapSeconds: number;
  overlap: OverlapPolicy;
  pauseOnFailure: boolean;
}

/** Reads a compiled plan's schedule trigger config; undefined when it does not parse (the compiler refused it). */
export function scheduleTimingOf(config: unknown): ScheduleTiming | undefined {
  const parsed = parseConfig(scheduleTrigger, config);
  if (!parsed.ok) return undefined;
  const c = parsed.config;
  // The refine refused expressions, so every value here is the plain one its field declares.
  const overlap = c.overlap as OverlapPolicy;
  const pauseOnFailure = c.pauseOnFailure === true;
  if (c.mode === 'interval') {
    const everySeconds = typeof c.everySeconds === 'number' ? c.everySeconds : Number(c.everyMinutes) * 60;
    return { when: { everySeconds }, minGapSeconds: everySeconds, overlap, pauseOnFailure };
  }
  const check = checkCron(c.cron ?? '');
  if (!check.ok) return undefined;
  return {
    when: { cron: (c.cron ?? '').trim(), timezone: c.timezone },
    minGapSeconds: cronMinGapSeconds(check.minutes),
    overlap,
    pauseOnFailure,
  };
}
