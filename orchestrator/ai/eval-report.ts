// The evaluation report as a person reads it: one aligned row per case, then the totals. (The JSON form is the
// EvalReport itself, described by EvalReportSchema.)
import type { EvalCaseResult, EvalReport } from './eval.js';

const COLUMNS = ['case', 'pass', 'rounds', 'tokens', 'node F1', 'edge F1', 'errors'] as const;
/** Right-aligned: the numbers. */
const NUMERIC = new Set<string>(['rounds', 'tokens', 'node F1', 'edge F1']);

const fixed = (n: number) => n.toFixed(2);
const percent = (n: number) => `${(n * 100).toFixed(1)}%`;

function verdict(r: EvalCaseResult): string {
  if (r.passed) return 'yes';
  if (r.failure !== undefined) return 'threw';
  if (!r.hasDocument) return 'no doc';
  return 'no';
}

/** A case's errors, each code once with its count, so a row stays one line. */
function errorSummary(r: EvalCaseResult): string {
  if (r.failure !== undefined) return r.failure.replace(/\s+/g, ' ').slice(0, 80);
  const counts = new Map<string, number>();
  for (const code of r.errors) counts.set(code, (counts.get(code) ?? 0) + 1);
  if (counts.size === 0) return !r.generatorOk && r.hasDocument ? 'generator gave up' : '';
  return [...counts].map(([code, n]) => (n > 1 ? `${code} x${n}` : code)).join(', ');
}

function row(r: EvalCaseResult): string[] {
  return [r.name, verdict(r), String(r.rounds), String(r.tokens), fixed(r.score.nodeF1), fixed(r.score.edgeF1), errorSummary(r)];
}

export function renderReport(report: EvalReport): string {
  const table = [[...COLUMNS], ...report.rows.map(row)];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (NUMERIC.has(COLUMNS[i] ?? '') ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const totals: [string, string][] = [
    ...(report.model !== undefined ? [['model', report.model] as [string, string]] : []),
    ['cases', String(report.cases)],
    ['compile pass rate', `${percent(report.compilePassRate)} (${report.passed}/${report.cases})`],
    ['mean repair rounds', report.meanRounds.toFixed(2)],
    ['total tokens', String(report.totalTokens)],
    ['mean node F1', fixed(report.meanNodeF1)],
    ['mean edge F1', fixed(report.meanEdgeF1)],
  ];
  const label = Math.max(...totals.map(([l]) => l.length)) + 2;
  return [line(table[0] ?? []), rule, ...table.slice(1).map(line), '', ...totals.map(([l, v]) => l.padEnd(label) + v), ''].join('\n');
}
