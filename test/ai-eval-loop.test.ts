// The evaluation's loop on every shipped case, with a model server that answers each case with its reference: the
// real openai client, the real generate loop (selection, sanitizing, layout, credential slots, the compiler) and the
// real scoring. Every reference must come through untouched: a secret scrub that misfires on a reference, or a
// layout that loses a node, shows here as a case that fails or scores below 1.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvalCaseSchema, type EvalCase } from '../orchestrator/ai/eval-case.js';
import { runEval, summarize } from '../orchestrator/ai/eval.js';
import { evalGenerator } from '../orchestrator/ai/generate.js';
import { openAiModel } from '../orchestrator/ai/model.js';
import { createNodeRegistry } from '../nodes/registry.js';
import { startLlmPeer, type LlmPeer } from './support/llm-peers.js';

const DIR = path.join(import.meta.dirname, '..', 'eval', 'generate');
let peer: LlmPeer;
let cases: EvalCase[];
beforeAll(async () => {
  peer = await startLlmPeer();
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).sort();
  cases = await Promise.all(files.map(async (f) => EvalCaseSchema.parse(JSON.parse(await readFile(path.join(DIR, f), 'utf8')))));
});
afterAll(async () => peer?.close());

describe('loom eval over the shipped cases', () => {
  it('passes every case at F1 1.0 in one round when the model answers with the reference', async () => {
    const deps = {
      model: openAiModel({ baseUrl: `${peer.url}/v1`, apiKey: 'sk-local', model: 'scripted' }),
      registry: createNodeRegistry(),
      maxRepairs: 0,
      timeoutMs: 5_000,
    };
    const generate = evalGenerator(deps);
    const byPrompt = new Map(cases.map((c) => [c.prompt, c]));
    const results = await runEval(cases, async (prompt) => {
      peer.script({
        content: JSON.stringify({ name: byPrompt.get(prompt)!.name, explanation: 'reference', ...byPrompt.get(prompt)!.reference }),
      });
      return generate(prompt);
    });
    const report = summarize(results);
    const failed = report.rows
      .filter((r) => !r.passed || r.score.nodeF1 < 1 || r.score.edgeF1 < 1)
      .map((r) => `${r.name} ${r.errors.join(',')}`);
    expect(failed).toEqual([]);
    expect(report).toMatchObject({ cases: cases.length, compilePassRate: 1, meanRounds: 1, meanNodeF1: 1, meanEdgeF1: 1 });
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });
});
