// Readiness probes shared by the gateway's /readyz and the worker's ops listener: each dependency answers within a
// deadline or counts as down, and the answer names which one failed.
import { z } from 'zod';

export const ProbeResultSchema = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
export type ProbeResult = z.infer<typeof ProbeResultSchema>;

export const ReadinessSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), ProbeResultSchema),
});
export type Readiness = z.infer<typeof ReadinessSchema>;

const PROBE_TIMEOUT_MS = 3_000;

async function probe(check: () => Promise<unknown>): Promise<ProbeResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS)),
      ),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every probe at once; ready only when all answer. */
export async function readiness(checks: Record<string, () => Promise<unknown>>): Promise<Readiness> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => probe(checks[name]!)));
  return {
    status: results.every((r) => r.ok) ? 'ok' : 'unavailable',
    checks: Object.fromEntries(names.map((name, i) => [name, results[i]!])),
  };
}
