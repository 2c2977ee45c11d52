// `loom eval [--model NAME] [--json] [--out FILE] FILES...`: runs the generation benchmark (eval/generate/*.json) and
// prints the report. `loom generate` (generate.ts) shares the generator this file loads.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EvalCaseSchema, type EvalCase } from '../../orchestrator/ai/eval-case.js';
import { renderReport } from '../../orchestrator/ai/eval-report.js';
import { runEval, summarize, type Generate } from '../../orchestrator/ai/eval.js';
import { evalGenerator } from '../../orchestrator/ai/generate.js';
import { createAiService } from '../../orchestrator/ai/service.js';
import { createNodeRegistry } from '../../nodes/registry.js';
import { loadConfig } from '../../platform/config.js';

/** What a command knows when it asks for a generator: the model named on the command line and the environment. */
export interface GeneratorConfig {
  model?: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The generate/repair loop (orchestrator/ai/generate.ts) over the configured model (LOOM_AI_PROVIDER, OPENAI_BASE_URL /
 * OPENAI_API_KEY or OLLAMA_URL; `--model` names another model on the same endpoint), adapted to `Generate`: `ok` only
 * when the loop ended with a document that compiles, `rounds` its model calls, `tokens` their total usage. No user
 * credentials take part: every slot stays open, as in the references.
 */
export async function loadGenerator(config: GeneratorConfig): Promise<Generate> {
  const loom = loadConfig(config.env);
  if (!loom.ai) throw new Error('no model is configured: set OPENAI_BASE_URL (and OPENAI_API_KEY) or OLLAMA_URL');
  const ai = config.model === undefined ? loom.ai : { ...loom.ai, generator: { ...loom.ai.generator, model: config.model } };
  const service = createAiService(ai)!;
  const model = [...service.models.values()][0]!;
  return evalGenerator({
    model,
    local: service.local,
    // The built-ins alone: the cases and their references use no custom node.
    registry: createNodeRegistry(),
    maxRepairs: service.maxRepairs,
    timeoutMs: service.timeoutMs,
  });
}

export interface CliIo {
  loadGenerator: (config: GeneratorConfig) => Promise<Generate>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = {
  loadGenerator,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

const USAGE = 'Usage: loom eval [--model NAME] [--json] [--out FILE] FILE|DIR...\n';

/** A directory stands for the .json files in it, in name order; files keep the order given. */
async function caseFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    if ((await stat(p)).isDirectory())
      files.push(
        ...(await readdir(p))
          .filter((f) => f.endsWith('.json'))
          .sort()
          .map((f) => path.join(p, f)),
      );
    else files.push(p);
  }
  return files;
}

async function readCase(file: string): Promise<EvalCase> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read a JSON case: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const parsed = EvalCaseSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${file}: not an evaluation case: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export async function evalCommand(args: string[], io: CliIo = processIo): Promise<number> {
  let options: { model?: string; json?: boolean; out?: string };
  let positionals: string[];
  try {
    ({ values: options, positionals } = parseArgs({
      args,
      options: { model: { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string' } },
      allowPositionals: true,
    }));
  } catch (err) {
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (positionals.length === 0) {
    io.stderr(USAGE);
    return 2;
  }
  let cases: EvalCase[];
  try {
    cases = await Promise.all((await caseFiles(positionals)).map(readCase));
  } catch (err) {
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const generate = await io.loadGenerator({ ...(options.model !== undefined ? { model: options.model } : {}), env: io.env });
  let done = 0;
  const results = await runEval(cases, generate, {
    onResult: (r) => io.stderr(`[${++done}/${cases.length}] ${r.name}: ${r.passed ? 'pass' : 'fail'}\n`),
  });
  const report = summarize(results, options.model !== undefined ? { model: options.model } : {});
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (options.out !== undefined) await writeFile(options.out, json);
  io.stdout(options.json ? json : renderReport(report));
  return 0;
}
