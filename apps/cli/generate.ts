// `loom generate "PROMPT" [--model NAME]`: asks the generator for a draft and prints its document (stdout, JSON),
// with the rounds, tokens and whatever the compiler still finds (stderr). Exit 1 unless the draft compiles.
import { parseArgs } from 'node:util';
import { compileForEval } from '../../orchestrator/ai/eval-case.js';
import { createNodeRegistry } from '../../nodes/registry.js';
import { processIo, type CliIo } from './eval.js';

const USAGE = 'Usage: loom generate [--model NAME] "PROMPT"\n';

export async function generateCommand(args: string[], io: CliIo = processIo): Promise<number> {
  let model: string | undefined;
  let prompt: string | undefined;
  try {
    const { values, positionals } = parseArgs({ args, options: { model: { type: 'string' } }, allowPositionals: true });
    model = values.model;
    prompt = positionals.join(' ').trim();
  } catch (err) {
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (!prompt) {
    io.stderr(USAGE);
    return 2;
  }
  const generate = await io.loadGenerator({ ...(model !== undefined ? { model } : {}), env: io.env });
  const outcome = await generate(prompt);
  io.stderr(`${outcome.rounds} round(s), ${outcome.tokens} token(s)\n`);
  if (outcome.document === undefined) {
    io.stderr('The generator returned no document.\n');
    return 1;
  }
  io.stdout(`${JSON.stringify(outcome.document, null, 2)}\n`);
  // Compiled as the evaluation compiles it: open credential slots are for the person to fill, not errors.
  const result = compileForEval(outcome.document, createNodeRegistry().catalog);
  for (const d of [...result.errors, ...result.warnings])
    io.stderr(`${d.severity} ${d.code}${d.nodeId ? ` [node ${d.nodeId}]` : ''}: ${d.message}\n`);
  const ok = outcome.ok && result.ok;
  io.stderr(ok ? 'The draft compiles.\n' : 'The draft does not compile.\n');
  return ok ? 0 : 1;
}
