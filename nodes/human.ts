// Human nodes: the run stops and asks a person, durably (days are fine), then goes on with the answer.
// The workflow performs the wait itself (kind 'human'); these declarations give the editor and the compiler their shape.
import { z } from 'zod';
import { BOOLEAN, closedObject, shapeFromJsonSchema, STRING, union } from '../compiler/shapes.js';
import { field } from './sdk/fields.js';
import { sameAsInput } from '../compiler/catalog.js';
import { defineNode } from './sdk/node.js';

const DAY_MS = 24 * 3600 * 1000;
const OptionSchema = z.union([z.string().min(1), z.object({ value: z.string().min(1), label: z.string().min(1) })]);

const io = { inputs: [{ name: 'in', dataType: 'any' as const }], outputs: [{ name: 'out', dataType: 'json' as const }] };

export const approvalNode = defineNode({
  type: 'human.approval',
  version: 1,
  displayName: 'Approval',
  category: 'human',
  description: 'Waits until a person approves; if they cancel (or nobody answers in time) the run stops.',
  kind: 'human',
  fields: {
    message: field.string({ label: 'What to approve', required: true, placeholder: 'Send the invoice to {{ $json.customer }}?' }),
    timeoutMs: field.number({ label: 'Wait at most (ms)', default: DAY_MS, min: 1_000, max: 90 * DAY_MS, int: true }),
    timeoutAction: field.select(
      [
        { value: 'cancel', label: 'Cancel (safe)' },
        { value: 'approve', label: 'Approve' },
      ],
      { label: 'When nobody answers', default: 'cancel' },
    ),
    approvers: field.json({
      label: 'Who may approve',
      help: 'User ids and groups ("group:finance"); empty: the owner of the run',
      default: [],
      schema: z.array(z.string().min(1).max(200)).max(100),
    }),
    requiredApprovals: field.number({
      label: 'Approvals needed',
      help: 'How many different approvers must approve',
      default: 1,
      min: 1,
      max: 20,
      int: true,
    }),
    forbidSelfApproval: field.boolean({ label: 'The person who started the run may not approve', default: false }),
  },
  ...io,
  operations: () => ['pure'],
  // An approved node goes on with its input (workflows/steps/human.ts).
  outputShape: sameAsInput,
});

export const questionNode = defineNode({
  type: 'human.question',
  version: 1,
  displayName: 'Ask a question',
  category: 'human',
  description: 'Asks a person to choose an option or type an answer; the answer is the output.',
  kind: 'human',
  fields: {
    question: field.string({ label: 'Question', required: true }),
    options: field.json({ label: 'Options', default: [], schema: z.array(OptionSchema) }),
    allowFreeText: field.boolean({ label: 'Allow a typed answer', default: false }),
    form: field.json({
      label: 'Answer form (JSON Schema)',
      help: 'The answer is a JSON document matching this schema; downstream nodes read it',
      schema: z.record(z.string(), z.unknown()),
    }),
    timeoutMs: field.number({ label: 'Wait at most (ms)', default: DAY_MS, min: 1_000, max: 90 * DAY_MS, int: true }),
    timeoutAction: field.select(
      [
        { value: 'cancel', label: 'Stop the run (safe)' },
        { value: 'default', label: 'Use the default option' },
      ],
      { label: 'When nobody answers', default: 'cancel' },
    ),
    defaultOption: field.string({ label: 'Default option' }),
  },
  refine: (schema) =>
    schema.superRefine((c, ctx) => {
      const options = c.options as unknown[];
      if (options.length === 0 && !c.allowFreeText && !c.form)
        ctx.addIssue({ code: 'custom', path: ['options'], message: 'Give options or allow a typed answer' });
      if (c.timeoutAction === 'default' && !c.defaultOption)
        ctx.addIssue({ code: 'custom', path: ['defaultOption'], message: 'Name the default option' });
    }),
  ...io,
  operations: () => ['pure'],
  // workflows/steps/human.ts `decide`: a form's answer is its JSON document, any other answer text, and an answer
  // that expired into the default option is the option's text.
  outputShape: (c) => {
    const form = c.form ? (shapeFromJsonSchema(c.form) ?? {}) : undefined;
    const answer = form ? (c.timeoutAction === 'cancel' ? form : (union([form, STRING]) ?? {})) : STRING;
    return closedObject({ answer, by: STRING, via: STRING, requestId: STRING, expired: BOOLEAN });
  },
});

export const HUMAN_NODES = [approvalNode, questionNode];

export function normaliseOptions(options: readonly (string | { value: string; label: string })[]): { value: string; label: string }[] {
  return options.map((o) => (typeof o === 'string' ? { value: o, label: o } : o));
}

/** Waits the workflow adds on its own: approval before a sensitive node, recovery after a failed one. */
export const AUTOMATIC_WAIT_MS = DAY_MS;
