// The generation benchmark: runs every case's prompt through a generator, compiles what comes back with the real
// compiler, scores it against the reference, and sums it up. The generator is a plain function, so the same runner
// measures the scripted model in CI and a real one from `loom eval`.
import { z } from 'zod';
import type { NodeCatalog } from '../../compiler/catalog.js';
import { createNodeRegistry } from '../../nodes/registry.js';
import { compileForEval, type EvalCase } from './eval-case.js';
import { scoreCase } from './eval-score.js';

/** What a generator reports for one prompt; `ok` is its own verdict, which the runner checks by compiling. */
export interface GenerateOutcome {
  ok: boolean;
  document?: unknown;
  rounds: number;
  tokens: number;
}
export type Generate = (prompt: string) => Promise<GenerateOutcome>;

const Ratio = z.number().min(0).max(1);
const ScoreSchema = z.object({
  nodePrecision: Ratio,
  nodeRecall: Ratio,
  nodeF1: Ratio,
  edgePrecision: Ratio,
  edgeRecall: Ratio,
  edgeF1: Ratio,
  matched: z.array(z.object({ reference: z.string(), candidate: z.string(), type: z.string() })),
});

export const EvalCaseResultSchema = z.object({
  name: z.string(),
  /** The generator said it succeeded. */
  generatorOk: z.boolean(),
  /** The generator said so and the candidate compiles with zero errors: the pass the report counts. */
  passed: z.boolean(),
  /** The generator returned a document at all. */
  hasDocument: z.boolean(),
  /** Error codes of the candidate's compile, in the compiler's order; empty when it compiled or there was none. */
  errors: z.array(z.string()),
  rounds: z.number().int().min(0),
  tokens: z.number().int().min(0),
  durationMs: z.number().min(0),
  /** Structure against the reference; a candidate with no document scores zero. */
  score: ScoreSchema,
  /** The generator threw: its message. */
  failure: z.string().optional(),
});
export type EvalCaseResult = z.infer<typeof EvalCaseResultSchema>;

export const EvalReportSchema = z.object({
  /** The model the generator used, as the person named it (`loom eval --model`). */
  model: z.string().optional(),
  cases: z.number().int().min(0),
  passed: z.number().int().min(0),
  compilePassRate: Ratio,
  meanRounds: z.number().min(0),
  totalTokens: z.number().int().min(0),
  meanNodeF1: Ratio,
  meanEdgeF1: Ratio,
  rows: z.array(EvalCaseResultSchema),
});
export type EvalReport = z.infer<typeof EvalReportSchema>;

export interface RunEvalOptions {
  catalog?: NodeCatalog;
  /** Called after each case, for progress on a slow model. */
  onResult?: (result: EvalCaseResult) => void;
}

/** Runs the cases one at a time (a real model's rate limits, and reproducible token counts). */
export async function runEval(cases: readonly EvalCase[], generate: Generate, options: RunEvalOptions = {}): Promise<EvalCaseResult[]> {
  const catalog = options.catalog ?? createNodeRegistry().catalog;
  const results: EvalCaseResult[] = [];
  for (const c of cases) {
    const result = await runCase(c, generate, catalog);
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}

async function runCase(c: EvalCase, generate: Generate, catalog: NodeCatalog): Promise<EvalCaseResult> {
  const started = performance.now();
  let outcome: GenerateOutcome;
  let failure: string | undefined;
  try {
    outcome = await generate(c.prompt);
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
    outcome = { ok: false, rounds: 0, tokens: 0 };
  }
  const durationMs = Math.round(performance.now() - started);
  const compiled = outcome.document === undefined ? undefined : compileForEval(outcome.document, catalog);
  return {
    name: c.name,
    generatorOk: outcome.ok,
    passed: outcome.ok && compiled?.ok === true,
    hasDocument: compiled !== undefined,
    errors: compiled ? compiled.errors.map((d) => d.code) : [],
    rounds: count(outcome.rounds),
    tokens: count(outcome.tokens),
    durationMs,
    score: scoreCase(c.reference, outcome.document),
    ...(failure !== undefined ? { failure } : {}),
  };
}

/** A generator's counts are not trusted to be whole and positive. */
const count = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : 0);

const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

export function summarize(results: readonly EvalCaseResult[], meta: { model?: string } = {}): EvalReport {
  const passed = results.filter((r) => r.passed).length;
  return {
    ...(meta.model !== undefined ? { model: meta.model } : {}),
    cases: results.length,
    passed,
    compilePassRate: results.length === 0 ? 0 : passed / results.length,
    meanRounds: mean(results.map((r) => r.rounds)),
    totalTokens: results.reduce((sum, r) => sum + r.tokens, 0),
    meanNodeF1: mean(results.map((r) => r.score.nodeF1)),
    meanEdgeF1: mean(results.map((r) => r.score.edgeF1)),
    rows: [...results],
  };
}
