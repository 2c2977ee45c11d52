// The execution plan: what a run executes, deterministic and serialisable. Defined once, read by the workflow.
import { z } from 'zod';

const Endpoint = z.object({ nodeId: z.string(), handle: z.string(), edgeId: z.string() });

export const PlanNodeSchema = z.object({
  id: z.string(),
  type: z.string(),
  typeVersion: z.number().int(),
  name: z.string(),
  kind: z.enum(['trigger', 'pure', 'activity', 'human']),
  config: z.record(z.string(), z.unknown()),
  credentials: z.record(z.string(), z.string()),
  inputs: z.array(z.object({ handle: z.string(), from: z.array(Endpoint) })),
  outputs: z.array(z.object({ handle: z.string(), to: z.array(Endpoint) })),
  join: z.enum(['any', 'all']),
  references: z.array(z.string()),
  operations: z.array(z.string()),
  settings: z.object({
    timeoutMs: z.number(),
    retry: z.object({ maxAttempts: z.number(), initialIntervalMs: z.number(), backoffCoefficient: z.number(), maxIntervalMs: z.number() }),
    onError: z.enum(['stop', 'continue', 'route', 'ask']),
    requiresApproval: z.boolean(),
  }),
});

export const PlanSchema = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  hash: z.string(),
  settings: z.object({ timeoutMs: z.number(), variables: z.record(z.string(), z.unknown()), maxNodeFailures: z.number().optional() }),
  triggers: z.array(z.string()),
  nodes: z.array(PlanNodeSchema),
});

export type PlanNode = z.infer<typeof PlanNodeSchema>;
export type Plan = z.infer<typeof PlanSchema>;
