// An evaluation case (eval/generate/*.json): a request a person would type and the workflow it should produce, and
// the one way a document is compiled for the evaluation (stand-in credentials for the slots a draft leaves open).
import { z } from 'zod';
import type { CompileContext, CredentialRef, NodeCatalog } from '../../compiler/catalog.js';
import { compile, type CompileResult } from '../../compiler/compile.js';
import { DocumentEdgeSchema, DocumentNodeSchema, WorkflowDocumentSchema } from '../../compiler/document.js';

// A reference is written as a generated draft would be: credential slots stay open (the generator leaves
// placeholders, never ids), so a reference never names a credential.
const ReferenceNodeSchema = DocumentNodeSchema.refine((n) => n.credentials === undefined, {
  message: 'A reference leaves credential slots open: remove "credentials"',
  path: ['credentials'],
});

export const EvalCaseSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case words joined by "-"'),
    prompt: z.string().min(10).max(4000),
    reference: WorkflowDocumentSchema.extend({
      nodes: z.array(ReferenceNodeSchema).min(1),
      edges: z.array(DocumentEdgeSchema).default([]),
    }),
  })
  .strict();
export type EvalCase = z.infer<typeof EvalCaseSchema>;

/** Stand-in credentials are named so a report can tell them from a user's: `eval:<credential type>`. */
export const STAND_IN_PREFIX = 'eval:';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Compiles a document as the evaluation sees it. Every required credential slot left open gets a stand-in of the
 * slot's first type, and the context holds only those stand-ins, so the result says whether the draft is right once
 * the person picks credentials. An id the document does name is kept, and fails (MISSING_CREDENTIAL) unless it is a
 * stand-in of the right type: in an evaluation every other id was invented by the model.
 */
export function compileForEval(document: unknown, catalog: NodeCatalog): CompileResult {
  const credentials = new Map<string, CredentialRef>();
  const withStandIns = attachStandIns(document, catalog, credentials);
  const ctx: CompileContext = { catalog, credentials: [...credentials.values()] };
  return compile(withStandIns, ctx);
}

function attachStandIns(document: unknown, catalog: NodeCatalog, credentials: Map<string, CredentialRef>): unknown {
  if (!isRecord(document) || !Array.isArray(document.nodes)) return document;
  const nodes = document.nodes.map((node: unknown) => {
    if (!isRecord(node) || typeof node.type !== 'string') return node;
    const version = typeof node.version === 'number' ? node.version : undefined;
    const slots = catalog.get(node.type, version)?.credentials ?? [];
    const attached = isRecord(node.credentials) ? { ...node.credentials } : {};
    let added = false;
    for (const slot of slots) {
      const type = slot.types[0];
      if (!slot.required || attached[slot.slot] !== undefined || type === undefined) continue;
      const id = `${STAND_IN_PREFIX}${type}`;
      credentials.set(id, { id, type });
      attached[slot.slot] = id;
      added = true;
    }
    return added ? { ...node, credentials: attached } : node;
  });
  return { ...document, nodes };
}
