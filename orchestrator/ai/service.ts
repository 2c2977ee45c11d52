// The AI capabilities as the API offers them: a generation or an edit spends one of the owner's AI calls for the
// day (a tier limit), runs the model loop over the caller's node types (passed in with each call: the service holds
// no registry, so no call can fall back to the built-ins alone), keeps the draft (applied later, or never) and records
// the call (who, prompt, model, rounds, tokens, outcome). Nothing about a workflow changes here.
import type { WorkflowDocument } from '../../compiler/document.js';
import { deleteExpiredDrafts, insertDraft, recordAiCall } from '../../db/ai-store.js';
import type { Database } from '../../db/client.js';
import type { AiDraftRow } from '../../db/schema.js';
import { claimUsage } from '../../db/usage-store.js';
import { OrchestratorError } from '../errors.js';
import type { StoredCredential } from './credential-slots.js';
import type { AiDeps, Draft } from './draft.js';
import { editDraft } from './edit.js';
import { generateDraft } from './generate.js';
import type { NodeRegistry } from '../../nodes/registry.js';
import type { AiConfig } from '../../platform/config.js';
import { AiModelError, ollamaModel, openAiModel, type LanguageModel } from './model.js';

export interface AiService {
  /** The models a caller may name (`model` in a request); the first is the default. */
  models: ReadonlyMap<string, LanguageModel>;
  local: LanguageModel | undefined;
  maxRepairs: number;
  timeoutMs: number;
}

export interface AiCaller {
  userId: string;
  aiCallsPerDay: number | null;
}

export function modelOf(service: AiService, name: string | undefined): LanguageModel {
  const model = name === undefined ? service.models.values().next().value : service.models.get(name);
  if (!model) throw new OrchestratorError('AI_UNKNOWN_MODEL', `No model ${name}; configured: ${[...service.models.keys()].join(', ')}`);
  return model;
}

/** Seconds until the next UTC day, when the daily AI allowance is back. */
export const secondsUntilTomorrow = (now: Date) =>
  Math.ceil((Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000);

async function run<D extends Draft>(
  db: Database,
  service: AiService,
  caller: AiCaller,
  args: {
    kind: 'generate' | 'edit';
    prompt: string;
    model?: string | undefined;
    nodes: NodeRegistry;
    workflowId?: string;
    baseVersion?: number;
  },
  work: (deps: AiDeps) => Promise<D>,
): Promise<{ draft: D; row: AiDraftRow }> {
  const model = modelOf(service, args.model);
  const now = new Date();
  if (!(await claimUsage(db, caller.userId, 'aiCalls', caller.aiCallsPerDay, now)))
    throw new OrchestratorError('AI_LIMIT', `Your plan allows ${caller.aiCallsPerDay} AI calls a day; more tomorrow (UTC)`);
  const call = { ownerId: caller.userId, kind: args.kind, prompt: args.prompt, model: `${model.provider}:${model.model}` } as const;
  let draft: D;
  try {
    draft = await work({
      model,
      local: service.local,
      registry: args.nodes,
      maxRepairs: service.maxRepairs,
      timeoutMs: service.timeoutMs,
    });
  } catch (err) {
    if (!(err instanceof AiModelError)) throw err;
    await recordAiCall(db, { ...call, rounds: 0, promptTokens: 0, completionTokens: 0, outcome: 'failed', error: err.code });
    throw new OrchestratorError(err.code, err.message, { cause: err });
  }
  await deleteExpiredDrafts(db, now);
  const status = draft.ok ? 'ready' : 'invalid';
  const row = await insertDraft(db, {
    ownerId: caller.userId,
    kind: args.kind,
    ...(args.workflowId ? { workflowId: args.workflowId } : {}),
    ...(args.baseVersion ? { baseVersion: args.baseVersion } : {}),
    status,
    prompt: args.prompt,
    body: draft,
    now,
  });
  await recordAiCall(db, {
    ...call,
    rounds: draft.rounds,
    promptTokens: draft.usage.promptTokens,
    completionTokens: draft.usage.completionTokens,
    outcome: status,
    draftId: row.id,
  });
  return { draft, row };
}

export function generate(
  db: Database,
  service: AiService,
  caller: AiCaller,
  args: { prompt: string; model?: string | undefined; nodes: NodeRegistry; credentials: readonly StoredCredential[] },
) {
  return run(db, service, caller, { kind: 'generate', prompt: args.prompt, model: args.model, nodes: args.nodes }, (deps) =>
    generateDraft(deps, { prompt: args.prompt, credentials: args.credentials }),
  );
}

export function edit(
  db: Database,
  service: AiService,
  caller: AiCaller,
  args: {
    workflowId: string;
    baseVersion: number;
    document: WorkflowDocument;
    prompt: string;
    model?: string | undefined;
    nodes: NodeRegistry;
    credentials: readonly StoredCredential[];
  },
) {
  return run(
    db,
    service,
    caller,
    {
      kind: 'edit',
      prompt: args.prompt,
      model: args.model,
      nodes: args.nodes,
      workflowId: args.workflowId,
      baseVersion: args.baseVersion,
    },
    (deps) => editDraft(deps, { document: args.document, prompt: args.prompt, credentials: args.credentials }),
  );
}

/** The service an installation's configuration describes; undefined when no model is configured. */
export function createAiService(config: AiConfig | undefined): AiService | undefined {
  if (!config) return undefined;
  const g = config.generator;
  const model =
    g.provider === 'openai'
      ? openAiModel({ baseUrl: g.baseUrl, apiKey: g.apiKey ?? '', model: g.model })
      : ollamaModel({ url: g.url, model: g.model });
  return {
    models: new Map([[g.model, model]]),
    local: config.local ? ollamaModel(config.local) : undefined,
    maxRepairs: config.maxRepairs,
    timeoutMs: config.timeoutMs,
  };
}
