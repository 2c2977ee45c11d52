// The runner and the report, on the shipped cases: a generator that answers with the reference passes everything,
// one that answers garbage passes nothing, and the pass is decided by the real compiler, not by the generator.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvalCaseSchema, type EvalCase } from './eval-case.js';
import { renderReport } from './eval-report.js';
import { EvalReportSchema, runEval, summarize, type Generate } from './eval.js';

const DIR = path.join(import.meta.dirname, '..', '..', 'eval', 'generate');
const cases: EvalCase[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => EvalCaseSchema.parse(JSON.parse(readFileSync(path.join(DIR, f), 'utf8'))));
const byPrompt = new Map(cases.map((c) => [c.prompt, c]));

/** Answers each prompt with its case's reference, as a perfect model would. */
const perfect: Generate = async (prompt) => ({ ok: true, document: byPrompt.get(prompt)?.reference, rounds: 1, tokens: 100 });

describe('runEval', () => {
  it('passes every case and scores 1 when the generator answers with the reference', async () => {
    const report = summarize(await runEval(cases, perfect), { model: 'reference' });
    expect(report).toMatchObject({
      model: 'reference',
      cases: cases.length,
      passed: cases.length,
      compilePassRate: 1,
      meanRounds: 1,
      totalTokens: 100 * cases.length,
      meanNodeF1: 1,
      meanEdgeF1: 1,
    });
    expect(report.rows.every((r) => r.passed && r.errors.length === 0)).toBe(true);
  });

  it('passes nothing when the generator answers garbage, even when it says ok', async () => {
    const garbage: Generate = async () => ({
      ok: true,
      document: { nodes: [{ id: 'x', type: 'made.up' }], edges: 'none' },
      rounds: 3,
      tokens: 5,
    });
    const report = summarize(await runEval(cases, garbage));
    expect(report).toMatchObject({ passed: 0, compilePassRate: 0, meanRounds: 3, meanNodeF1: 0, meanEdgeF1: 0 });
    expect(report.rows[0]?.errors).toEqual(['SCHEMA_INVALID']);
  });

  it('fails a candidate the compiler refuses although the generator said ok', async () => {
    const first = cases.find((c) => c.name === 'weekday-orders-to-slack');
    if (!first) throw new Error('no such case');
    // The reference without its edges: every node but the trigger is an orphan.
    const unwired: Generate = async () => ({ ok: true, document: { ...first.reference, edges: [] }, rounds: 2, tokens: 40 });
    const [row] = await runEval([first], unwired);
    expect(row).toMatchObject({ passed: false, generatorOk: true, hasDocument: true });
    expect(new Set(row?.errors)).toEqual(new Set(['ORPHAN_NODE']));
    expect(row?.score.nodeF1).toBe(1);
    expect(row?.score.edgeF1).toBe(0);
  });

  it('does not count a document the generator itself gave up on', async () => {
    const [first] = cases;
    if (!first) throw new Error('no cases');
    const [row] = await runEval([first], async () => ({ ok: false, document: first.reference, rounds: 3, tokens: 10 }));
    expect(row).toMatchObject({ passed: false, generatorOk: false, errors: [] });
  });

  it('records a generator that throws and carries on with the next case', async () => {
    const seen: string[] = [];
    const flaky: Generate = async (prompt) => {
      if (prompt === cases[0]?.prompt) throw new Error('model timed out');
      return perfect(prompt);
    };
    const rows = await runEval(cases.slice(0, 3), flaky, { onResult: (r) => seen.push(r.name) });
    expect(rows.map((r) => [r.passed, r.failure])).toEqual([
      [false, 'model timed out'],
      [true, undefined],
      [true, undefined],
    ]);
    expect(rows[0]).toMatchObject({ hasDocument: false, rounds: 0, tokens: 0 });
    expect(seen).toEqual(cases.slice(0, 3).map((c) => c.name));
  });

  it('does not trust odd counts from a generator', async () => {
    const [row] = await runEval(cases.slice(0, 1), async () => ({ ok: false, rounds: -1, tokens: Number.NaN }));
    expect(row).toMatchObject({ rounds: 0, tokens: 0 });
  });
});

describe('summarize and renderReport', () => {
  it('averages over cases and writes JSON that its schema reads back', async () => {
    const half: Generate = async (prompt) => (prompt === cases[0]?.prompt ? perfect(prompt) : { ok: false, rounds: 3, tokens: 1000 });
    const report = summarize(await runEval(cases.slice(0, 2), half));
    expect(report).toMatchObject({ cases: 2, passed: 1, compilePassRate: 0.5, meanRounds: 2, totalTokens: 1100, meanNodeF1: 0.5 });
    expect(EvalReportSchema.parse(JSON.parse(JSON.stringify(report)))).toEqual(report);
  });

  it('renders one aligned row per case and the totals', async () => {
    const rows = await runEval(cases.slice(0, 2), async (prompt) =>
      prompt === cases[0]?.prompt ? perfect(prompt) : { ok: true, document: { nodes: [] }, rounds: 2, tokens: 7 },
    );
    const text = renderReport(summarize(rows, { model: 'scripted' }));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^case +pass +rounds +tokens +node F1 +edge F1 +errors$/);
    expect(lines[2]).toMatch(new RegExp(`^${cases[0]?.name} +yes +1 +100 +1\\.00 +1\\.00$`));
    expect(lines[3]).toMatch(new RegExp(`^${cases[1]?.name} +no +2 +7 +0\\.00 +0\\.00  NO_TRIGGER$`));
    // Columns line up: every number column ends at the same place in every row.
    const end = (line: string | undefined, column: string) => (lines[0] ?? '').indexOf(column) + column.length === (line ?? '').length;
    expect(end(lines[0], 'errors')).toBe(true);
    expect(lines[2]?.indexOf('1.00')).toBe((lines[0]?.indexOf('node F1') ?? 0) + 'node F1'.length - 4);
    expect(text).toContain('compile pass rate   50.0% (1/2)');
    expect(text).toContain('model               scripted');
    expect(text).toContain('mean edge F1        0.50');
  });
});
