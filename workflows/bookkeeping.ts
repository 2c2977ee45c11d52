// Loom's own activities as the run workflow calls them: recording progress, and evaluating, describing or
// resolving what the workflow cannot hold itself (offloaded data, long expressions). Node work has its own options
// per node (node-activities.ts).
import { proxyActivities } from '@temporalio/workflow';
import type { LoomActivities } from '../activities/index.js';

export const bookkeeping = proxyActivities<LoomActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds' },
});
