// What generation and editing share once a model's answer is a document: secrets scrubbed out, credential slots
// mapped, positions laid out by Loom, code flagged for review, and the compiler's final word on the result.
import type { CredentialRef } from '../../compiler/catalog.js';
import type { NodeRegistry } from '../../nodes/registry.js';
import type { Diagnostic } from '../../compiler/diagnostics.js';
import type { WorkflowDocument } from '../../compiler/document.js';
import {
  attachCredentials,
  compileDraft,
  mapCredentials,
  placeholdersOf,
  type CredentialSlot,
  type StoredCredential,
} from './credential-slots.js';
import { layoutDocument } from './layout.js';
import type { LanguageModel } from './model.js';
import { scrubSecrets } from './secret-scrub.js';
import { aiWarning } from './warnings.js';

export interface AiDeps {
  model: LanguageModel;
  /** The credential mapper: a local model only (config refuses any other URL). */
  local?: LanguageModel | undefined;
  /**
   * The caller's node types (`registryFor`: the built-ins, their own custom types and published ones): what the model
   * is offered, what every answer compiles against and what credential slots are read from. Never another user's.
   */
  registry: NodeRegistry;
  maxRepairs: number;
  timeoutMs: number;
}

export interface Draft {
  /** True only when the document compiles with zero errors (open credential slots aside). */
  ok: boolean;
  document: WorkflowDocument;
  diagnostics: Diagnostic[];
  warnings: Diagnostic[];
  credentialSlots: CredentialSlot[];
  explanation: string;
  rounds: number;
  usage: { promptTokens: number; completionTokens: number };
  /** Nodes a person should read before running the draft (code the model wrote). */
  review: { nodeId: string; reason: string }[];
}

/**
 * Removes what the model may not write and every secret-looking value, with warnings: credentials (but those of
 * `keep`, the nodes of a saved version an edit starts from) and, in a generated document, positions (Loom lays out).
 */
export function sanitize(document: WorkflowDocument, keep: ReadonlySet<string> = new Set()) {
  const warnings: Diagnostic[] = [];
  const nodes = document.nodes.map((n) => {
    if (keep.has(n.id)) return n;
    const { credentials, position: _position, ...rest } = n;
    if (credentials) warnings.push(aiWarning('CREDENTIAL_REMOVED', { nodeId: n.id, path: ['credentials'] }));
    return rest;
  });
  const scrubbed = scrubSecrets({ ...document, nodes });
  for (const f of scrubbed.findings)
    warnings.push(
      aiWarning('SECRET_REMOVED', { nodeId: f.nodeId, path: ['config', ...f.path], message: `${f.kind} removed from the config` }),
    );
  return { document: scrubbed.document as WorkflowDocument, warnings, scrubbedNodes: new Set(scrubbed.findings.map((f) => f.nodeId)) };
}

/** Compile errors as the model reads them in a repair request. */
export function repairText(errors: readonly Diagnostic[]): string {
  const list = errors.slice(0, 50).map((d) => ({ code: d.code, message: d.message, nodeId: d.nodeId, path: d.path }));
  return `The workflow does not compile. Fix every one of these errors and answer again in the same format:\n${JSON.stringify(list, null, 1)}`;
}

export const compileContext = (deps: Pick<AiDeps, 'registry'>, credentials: readonly StoredCredential[]) => ({
  catalog: deps.registry.catalog,
  credentials: credentials.map((c): CredentialRef => ({ id: c.id, type: c.type })),
});

/** Maps credentials, lays out, flags code and compiles the final document. */
export async function finishDraft(
  deps: AiDeps,
  args: {
    document: WorkflowDocument;
    warnings: Diagnostic[];
    wantedSlots: ReadonlySet<string>;
    credentials: readonly StoredCredential[];
    explanation: string;
    rounds: number;
    usage: Draft['usage'];
    done: boolean;
  },
): Promise<Draft> {
  const placeholders = placeholdersOf(args.document, deps.registry.catalog, args.wantedSlots);
  const local = deps.local ? { model: deps.local, timeoutMs: deps.timeoutMs } : undefined;
  const slots = await mapCredentials(placeholders, args.credentials, local);
  const attached = attachCredentials(args.document, slots);
  // Nodes placed by a person keep their place; Loom lays out the rest.
  const laid = layoutDocument(attached);
  const placed = new Map(attached.nodes.filter((n) => n.position).map((n) => [n.id, n.position]));
  const document = { ...laid, nodes: laid.nodes.map((n) => (placed.has(n.id) ? { ...n, position: placed.get(n.id) } : n)) };
  const compiled = compileDraft(document, compileContext(deps, args.credentials));
  const warnings = [...args.warnings, ...compiled.warnings];
  for (const s of slots) {
    if (s.status === 'missing' || s.status === 'choose')
      warnings.push(
        aiWarning('CREDENTIAL_OPEN', {
          nodeId: s.nodeId,
          path: ['credentials', s.slot],
          message: `Choose a ${s.credentialTypes.join(' or ')} credential for ${s.purpose}`,
        }),
      );
    if (s.status === 'suggested') warnings.push(aiWarning('CREDENTIAL_SUGGESTED', { nodeId: s.nodeId, path: ['credentials', s.slot] }));
  }
  const review = document.nodes
    .filter((n) => n.type.startsWith('code.'))
    .map((n) => ({ nodeId: n.id, reason: 'runs code written by the model' }));
  for (const r of review) warnings.push(aiWarning('CODE_REVIEW', { nodeId: r.nodeId }));
  return {
    ok: args.done && compiled.errors.length === 0,
    document,
    diagnostics: compiled.errors,
    warnings,
    credentialSlots: slots,
    explanation: args.explanation,
    rounds: args.rounds,
    usage: args.usage,
    review,
  };
}
