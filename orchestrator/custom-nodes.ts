// Uploading a custom node: the source is bounded, transpiled (TypeScript, JavaScript), run in its sandbox to read what
// it declares (never in this process), the declaration validated like a built-in's and namespaced to its owner, then
// stored as an immutable version (the same code again is the version already stored). Every problem is reported with
// a code and a path, as the compiler reports a workflow's. `checkCustomNodeSource` is the same judgement without the
// store, for the AI's repair loop.
import { saveCustomNodeVersion } from '../db/custom-node-store.js';
import type { Database } from '../db/client.js';
import type { CustomNodeVersionRow, CustomSourceLanguage } from '../db/schema.js';
import { CUSTOM_NODE_LIMITS, parseDeclaration, type Declaration } from '../nodes/custom/declaration.js';
import type { CustomNodeRuntime } from '../nodes/custom/definition.js';
import { codeHashOf, namespaced } from '../nodes/custom/registry.js';

export const UPLOAD_ISSUE_CODES = ['SOURCE_TOO_LARGE', 'SYNTAX_ERROR', 'EXTRACTION_FAILED', 'DECLARATION_INVALID'] as const;
export type UploadIssueCode = (typeof UPLOAD_ISSUE_CODES)[number];

export interface UploadIssue {
  code: UploadIssueCode;
  message: string;
  /** Where in the declaration (`node.fields.listId.kind`), or the source's line and column. */
  path?: (string | number)[];
  line?: number;
  column?: number;
  /** The sandbox's own code, for an extraction that failed there (CODE_TIMEOUT, CODE_MEMORY_LIMIT...). */
  sandboxCode?: string;
}

export type CheckedSource = { ok: true; code: string; declaration: Declaration } | { ok: false; issues: UploadIssue[] };

/** Everything short of storing: the source bounded, prepared, extracted in the sandbox as `owner`, validated. */
export async function checkCustomNodeSource(
  runtime: CustomNodeRuntime,
  owner: string,
  upload: { language: CustomSourceLanguage; source: string },
): Promise<CheckedSource> {
  const bytes = Buffer.byteLength(upload.source);
  if (bytes > CUSTOM_NODE_LIMITS.sourceBytes)
    return fail({ code: 'SOURCE_TOO_LARGE', message: `The source is ${bytes} bytes; the limit is ${CUSTOM_NODE_LIMITS.sourceBytes}` });
  const prepared = await runtime.prepare(upload.language, upload.source);
  if (!prepared.ok)
    return fail({
      code: 'SYNTAX_ERROR',
      message: prepared.message,
      ...(prepared.line !== undefined ? { line: prepared.line } : {}),
      ...(prepared.column !== undefined ? { column: prepared.column } : {}),
    });
  const language = upload.language === 'python' ? 'python' : 'javascript';
  const extracted = await runtime.extract(language, prepared.code, owner);
  if (!extracted.ok) return fail({ code: 'EXTRACTION_FAILED', message: extracted.error.message, sandboxCode: extracted.error.code });
  const parsed = parseDeclaration(extracted.declaration);
  if (!parsed.ok) return { ok: false, issues: parsed.issues };
  return { ok: true, code: prepared.code, declaration: parsed.declaration };
}

export type UploadOutcome = { kind: 'created' | 'existing'; row: CustomNodeVersionRow } | { kind: 'invalid'; issues: UploadIssue[] };

export async function uploadCustomNode(
  db: Database,
  runtime: CustomNodeRuntime,
  ownerId: string,
  upload: { language: CustomSourceLanguage; source: string },
): Promise<UploadOutcome> {
  const checked = await checkCustomNodeSource(runtime, ownerId, upload);
  if (!checked.ok) return { kind: 'invalid', issues: checked.issues };
  const declaration = namespaced(checked.declaration, ownerId);
  const saved = await saveCustomNodeVersion(db, {
    type: declaration.node.type,
    ownerId,
    sourceLanguage: upload.language,
    source: upload.source,
    code: checked.code,
    codeHash: codeHashOf(checked.code),
    declaration,
  });
  // The namespace is the owner's own: another owner's row under it would be a bug, reported rather than overwritten.
  if (saved.kind === 'not_owner') throw new Error(`custom node type ${declaration.node.type} belongs to another owner`);
  return saved;
}

function fail(issue: UploadIssue): CheckedSource {
  return { ok: false, issues: [issue] };
}
