// Loom's own activities as the run workflow calls them: recording progress, and evaluating, describing or
// resolving what the workflow cannot hold itself (offloaded data, long expressions). Node work has its own options
// per node (node-activities.ts).
import { patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { RecordProgress } from '../activities/contracts.js';
import type { LoomActivities } from '../activities/index.js';

const OPTIONS = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds' },
} satisfies ActivityOptions;

export const bookkeeping = proxyActivities<LoomActivities>(OPTIONS);

/** What a record holds, for the Web UI's timeline: `run completed · 3 nodes`, `4 nodes`. */
export function progressSummary(p: Pick<RecordProgress, 'run' | 'nodes'>): string {
  const nodes = p.nodes?.length ?? 0;
  const parts = [...(p.run ? [`run ${p.run.status}`] : []), ...(nodes ? [`${nodes} node${nodes === 1 ? '' : 's'}`] : [])];
  return `record ${parts.join(' · ') || 'progress'}`;
}

/**
 * bookkeeping.recordProgress with a summary in the Web UI instead of the bare activity name. Runs started before it
 * keep scheduling without one (patch `bookkeeping-summaries`: user metadata is part of the scheduling command).
 */
export function recordProgress(p: RecordProgress): Promise<void> {
  if (!patched('bookkeeping-summaries')) return bookkeeping.recordProgress(p);
  return proxyActivities<LoomActivities>({ ...OPTIONS, summary: progressSummary(p) }).recordProgress(p);
}
