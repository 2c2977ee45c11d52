// Trigger nodes: how a run starts. Their output is the run's input (the API payload, the webhook request,
// the schedule tick). Webhook and schedule delivery are wired by the gateway and the orchestrator.
import { field } from './sdk/fields.js';
import { defineNode } from './sdk/node.js';

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
  fields: {},
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
  },
  operations: (c) => [c.authentication === 'none' ? 'public_endpoint' : 'pure'],
  refine: (schema) =>
    schema.superRefine((c, ctx) => {
      // The header name is compared as Node reads headers; an invalid one could never arrive.
      if (typeof c.tokenHeader === 'string' && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/.test(c.tokenHeader))
        ctx.addIssue({ code: 'custom', path: ['tokenHeader'], message: 'Not a valid HTTP header name' });
    }),
});

export const scheduleTrigger = defineNode({
  ...triggerShape,
  type: 'trigger.schedule',
  version: 1,
  displayName: 'Schedule',
  description: 'Starts the workflow on a cron schedule or at a fixed interval.',
  fields: {
    mode: field.select(
      [
        { value: 'cron', label: 'Cron expression' },
        { value: 'interval', label: 'Every N minutes' },
      ],
      { label: 'Mode', default: 'cron' },
    ),
    cron: field.string({ label: 'Cron', placeholder: '0 9 * * 1-5' }),
    everyMinutes: field.number({ label: 'Every (minutes)', min: 1, max: 525_600, int: true }),
    timezone: field.string({ label: 'Time zone', default: 'UTC' }),
  },
  refine: (schema) =>
    schema.superRefine((c, ctx) => {
      if (c.mode === 'cron' && (typeof c.cron !== 'string' || c.cron.trim().split(/\s+/).length < 5))
        ctx.addIssue({ code: 'custom', path: ['cron'], message: 'A cron expression has five fields' });
      if (c.mode === 'interval' && c.everyMinutes === undefined)
        ctx.addIssue({ code: 'custom', path: ['everyMinutes'], message: 'Set the interval' });
    }),
});
