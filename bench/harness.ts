// A small benchmark harness: every suite measures its subject and a baseline in the same process,
// so the printed ratio is meaningful on any machine, whatever else it is doing.
import { performance } from 'node:perf_hooks';

export interface Measurement {
  name: string;
  /** Median milliseconds per iteration. */
  medianMs: number;
  p95Ms: number;
  iterations: number;
  /** Extra figures worth printing (memory, counts, throughput). */
  extra?: Record<string, string | number>;
}

export interface SuiteResult {
  suite: string;
  measurements: Measurement[];
  /** Human-readable lines such as "overhead vs hand-written: 1.08x (goal <= 1.2x)". */
  verdicts: string[];
}

export interface BenchSuite {
  name: string;
  run(): Promise<SuiteResult>;
}

/** Runs `fn` `iterations` times after `warmup` untimed runs and summarises the timings. */
export async function measure(
  name: string,
  fn: () => unknown | Promise<unknown>,
  options: { iterations?: number; warmup?: number } = {},
): Promise<Measurement> {
  const iterations = options.iterations ?? 20;
  const warmup = options.warmup ?? 3;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { name, medianMs: at(0.5), p95Ms: at(0.95), iterations };
}

export function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`;
}

export function printSuite(result: SuiteResult): void {
  console.log(`\n## ${result.suite}`);
  for (const m of result.measurements) {
    const extra = m.extra
      ? '  ' +
        Object.entries(m.extra)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
      : '';
    console.log(
      `  ${m.name.padEnd(48)} median ${formatMs(m.medianMs).padStart(10)}  p95 ${formatMs(m.p95Ms).padStart(10)}  (n=${m.iterations})${extra}`,
    );
  }
  for (const v of result.verdicts) console.log(`  -> ${v}`);
}
