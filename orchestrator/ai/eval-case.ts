// An evaluation case (eval/generate/*.json): a request a person would type and the workflow it should produce, and
// the one way a document is compiled for the evaluation (stand-in credentials for the slots a draft leaves open).
import { z } from 'zod';
import type { NodeCatalog } from '../../compiler/catalog.js';
import { compile, type CompileResult } from '../../compiler/compile.js';
import { DocumentEdgeSchema, DocumentNodeSchema, WorkflowDocumentSchema } from '../../compiler/document.js';
import { withStandIns } from './credential-slots.js';

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

/**
 * Compiles a document as the evaluation sees it. Every required credential slot left open gets a stand-in of the
 * slot's first type, and the context holds only those stand-ins, so the result says whether the draft is right once
 * the person picks credentials. An id the document does name is kept, and fails (MISSING_CREDENTIAL) unless it is a
 * stand-in of the right type: in an evaluation every other id was invented by the model.
 */
export function compileForEval(document: unknown, catalog: NodeCatalog): CompileResult {
  const { document: filled, standIns } = withStandIns(document, catalog, STAND_IN_PREFIX);
  return compile(filled, { catalog, credentials: standIns });
}
