// The workflow document the editor sends (schema version 1), as a zod schema that is also published as JSON Schema.
import { z } from 'zod';

const Id = z.string().min(1).max(200);

export const RetrySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(100).optional(),
    initialIntervalMs: z.number().int().min(0).optional(),
    backoffCoefficient: z.number().min(1).max(10).optional(),
    maxIntervalMs: z.number().int().min(0).optional(),
  })
  .strict();

export const DocumentNodeSchema = z
  .object({
    id: Id,
    type: z.string().min(1),
    version: z.number().int().min(1).optional(),
    name: z.string().optional(),
    config: z.record(z.string(), z.unknown()).default({}),
    credentials: z.record(z.string(), z.string()).optional(),
    onError: z.enum(['stop', 'continue', 'route', 'ask']).optional(),
    retry: RetrySchema.optional(),
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600 * 1000)
      .optional(),
    /** Supervision: a node still running after this long with no sign of progress is flagged (it keeps running). */
    expectedDurationMs: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600 * 1000)
      .optional(),
    approval: z.boolean().optional(),
    /** The flow.for_each whose body this node belongs to: it runs once per item, never on its own (compiler/passes/loops.ts). */
    parent: Id.optional(),
    /** Activity nodes: overrides the node type's choice of a local or a regular Temporal activity. */
    execution: z.enum(['local', 'activity']).optional(),
    position: z.object({ x: z.number(), y: z.number() }).optional(),
  })
  .strict();

export const DocumentEdgeSchema = z
  .object({
    id: Id,
    source: Id,
    sourceHandle: z.string().min(1).default('out'),
    target: Id,
    targetHandle: z.string().min(1).default('in'),
  })
  .strict();

export const WorkflowDocumentSchema = z
  .object({
    schemaVersion: z.literal(1).optional(),
    name: z.string().optional(),
    nodes: z.array(z.unknown()),
    edges: z.array(z.unknown()).default([]),
    settings: z
      .object({
        timeoutMs: z.number().int().min(1).optional(),
        variables: z.record(z.string(), z.unknown()).optional(),
        /** Supervision: stop the run once this many nodes have failed (even failures routed or continued past). */
        maxNodeFailures: z.number().int().min(1).max(10_000).optional(),
        /** Supervision: the expected duration of every node that does not set its own `expectedDurationMs`. */
        expectedNodeDurationMs: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 3600 * 1000)
          .optional(),
        /**
         * Approval policy: the hosts this workflow may call without asking. Set, a node that calls any other host (or
         * one only known at run time) asks for approval before it runs. `*.example.com` covers its subdomains.
         */
        allowedHosts: z
          .array(
            z
              .string()
              .trim()
              .toLowerCase()
              .regex(
                /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^\[?[0-9a-f:.]+\]?$/,
                'a host name (api.example.com), a wildcard (*.example.com) or an IP address',
              ),
          )
          .max(500)
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The document without its node and edge lists, which the compiler's passes check entry by entry. */
const DocumentShellSchema = WorkflowDocumentSchema.omit({ nodes: true, edges: true });

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/**
 * WorkflowDocumentSchema.safeParse, with the node and edge lists taken as they are when they are lists: zod copies a
 * list of unknown entries entry by entry, and the compiler checks every entry anyway. A document the shortcut does
 * not take, or one it refuses, is parsed in full, so every issue is reported as zod reports it.
 */
export function parseWorkflowDocument(input: unknown): ReturnType<typeof WorkflowDocumentSchema.safeParse> {
  if (isPlainObject(input) && Array.isArray(input.nodes) && (input.edges === undefined || Array.isArray(input.edges))) {
    const { nodes, edges, ...rest } = input;
    const shell = DocumentShellSchema.safeParse(rest);
    if (shell.success)
      return { success: true, data: { ...shell.data, nodes: nodes as unknown[], edges: (edges as unknown[] | undefined) ?? [] } };
  }
  return WorkflowDocumentSchema.safeParse(input);
}

export type DocumentNode = z.infer<typeof DocumentNodeSchema>;
export type DocumentEdge = z.infer<typeof DocumentEdgeSchema>;
export type WorkflowDocument = Omit<z.infer<typeof WorkflowDocumentSchema>, 'nodes' | 'edges'> & {
  nodes: DocumentNode[];
  edges: DocumentEdge[];
};

/** JSON Schema of a whole document, for the editor. */
export function workflowDocumentJsonSchema(): unknown {
  return z.toJSONSchema(WorkflowDocumentSchema.extend({ nodes: z.array(DocumentNodeSchema), edges: z.array(DocumentEdgeSchema) }), {
    io: 'input',
  });
}
