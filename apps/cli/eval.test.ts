// `loom eval` and `loom generate` with a generator handed in (the real one is wired by loadGenerator): the report on
// stdout, the JSON file, exit codes, and bad input refused before any model is called.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EvalCaseSchema } from '../../orchestrator/ai/eval-case.js';
import { EvalReportSchema, type Generate } from '../../orchestrator/ai/eval.js';
import { evalCommand, type CliIo, type GeneratorConfig } from './eval.js';
import { generateCommand } from './generate.js';
import { startLlmPeer } from '../../test/support/llm-peers.js';

const CASES = path.join(import.meta.dirname, '..', '..', 'eval', 'generate');

function harness(generate: Generate) {
  const out: string[] = [];
  const err: string[] = [];
  const configs: GeneratorConfig[] = [];
  const io: CliIo = {
    loadGenerator: async (config) => {
      configs.push(config);
      return generate;
    },
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: { OPENAI_BASE_URL: 'http://127.0.0.1:1' },
  };
  return { io, configs, stdout: () => out.join(''), stderr: () => err.join('') };
}

async function referenceOf(file: string) {
  return EvalCaseSchema.parse(JSON.parse(await readFile(path.join(CASES, file), 'utf8')));
}

describe('loom eval', () => {
  it('runs a directory of cases and prints the table; --out writes the JSON report', async () => {
    const cases = await Promise.all(['invoice-approval.json', 'publish-at-time.json'].map(referenceOf));
    const dir = await mkdtemp(path.join(tmpdir(), 'loom-eval-'));
    for (const c of cases) await writeFile(path.join(dir, `${c.name}.json`), JSON.stringify(c));
    const out = path.join(dir, 'report.out');
    const h = harness(async (prompt) => ({ ok: true, document: cases.find((c) => c.prompt === prompt)?.reference, rounds: 1, tokens: 9 }));

    expect(await evalCommand(['--model', 'gpt-test', '--out', out, dir], h.io)).toBe(0);
    expect(h.configs).toEqual([{ model: 'gpt-test', env: h.io.env }]);
    expect(h.stdout()).toMatch(/^invoice-approval +yes +1 +9 +1\.00 +1\.00$/m);
    expect(h.stdout()).toContain('compile pass rate   100.0% (2/2)');
    expect(h.stderr()).toBe('[1/2] invoice-approval: pass\n[2/2] publish-at-time: pass\n');
    const report = EvalReportSchema.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(report).toMatchObject({ model: 'gpt-test', cases: 2, compilePassRate: 1, totalTokens: 18 });
  });

  it('prints the JSON report with --json', async () => {
    const h = harness(async () => ({ ok: false, rounds: 3, tokens: 30 }));
    expect(await evalCommand(['--json', path.join(CASES, 'publish-at-time.json')], h.io)).toBe(0);
    expect(EvalReportSchema.parse(JSON.parse(h.stdout()))).toMatchObject({ cases: 1, passed: 0, meanRounds: 3 });
  });

  it('refuses a file that is not a case before loading a generator (exit 2)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'loom-eval-'));
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ name: 'Bad Name', prompt: 'short' }));
    const h = harness(async () => ({ ok: true, rounds: 0, tokens: 0 }));
    expect(await evalCommand([bad], h.io)).toBe(2);
    expect(h.configs).toEqual([]);
    expect(h.stderr()).toContain(`${bad}: not an evaluation case: name lower-case words joined by "-"`);
    expect(await evalCommand([], h.io)).toBe(2);
    expect(await evalCommand(['--nope', bad], h.io)).toBe(2);
  });
});

describe('loom generate', () => {
  it('prints the draft and exits 0 when it compiles', async () => {
    const { reference } = await referenceOf('daily-revenue-report.json');
    const h = harness(async () => ({ ok: true, document: reference, rounds: 2, tokens: 512 }));
    expect(await generateCommand(['--model', 'm', 'Email me the revenue every morning'], h.io)).toBe(0);
    expect(JSON.parse(h.stdout())).toEqual(reference);
    expect(h.stderr()).toBe('2 round(s), 512 token(s)\nThe draft compiles.\n');
  });

  it('prints what the compiler finds and exits 1 when the draft does not compile', async () => {
    const h = harness(async () => ({ ok: true, document: { nodes: [{ id: 'n', type: 'flow.noop' }] }, rounds: 3, tokens: 1 }));
    expect(await generateCommand(['do something'], h.io)).toBe(1);
    expect(h.stderr()).toContain('error NO_TRIGGER');
    expect(h.stderr()).toContain('The draft does not compile.');
  });
});

const run = promisify(execFile);

describe('loom eval from the shell', { timeout: 60_000 }, () => {
  it('runs the real generate loop against a model server that speaks the OpenAI protocol, and reports the loop', async () => {
    const [first] = await Promise.all(['invoice-approval.json'].map(referenceOf));
    const dir = await mkdtemp(path.join(tmpdir(), 'loom-eval-shell-'));
    await writeFile(path.join(dir, 'case.json'), JSON.stringify(first));
    const peer = await startLlmPeer();
    try {
      // A first answer that is not a workflow, then the reference: the loop repairs in its second round.
      peer.script({ content: '{"nodes": "none"}' }, { content: JSON.stringify({ name: 'x', explanation: 'y', ...first!.reference }) });
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'apps/cli/main.ts', 'eval', '--json', dir], {
        env: { ...process.env, OPENAI_BASE_URL: `${peer.url}/v1`, OPENAI_API_KEY: 'sk-local', LOOM_AI_MODEL: 'scripted' },
      });
      const report = EvalReportSchema.parse(JSON.parse(stdout));
      expect(report).toMatchObject({ cases: 1, passed: 1, compilePassRate: 1, meanNodeF1: 1, meanEdgeF1: 1 });
      expect(report.rows[0]).toMatchObject({ passed: true, rounds: 2 });
      expect(report.totalTokens).toBeGreaterThan(0);
      expect(peer.requests).toHaveLength(2);
    } finally {
      await peer.close();
    }
  });

  it('says what to configure (exit 1) when no model is', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OPENAI_|OLLAMA_|LOOM_AI_)/.test(k)));
    const failure = await run(process.execPath, ['--import', 'tsx', 'apps/cli/main.ts', 'eval', CASES], { env }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('no model is configured');
  });
});
