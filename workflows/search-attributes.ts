// The search attributes Loom sets on every run, so operators can filter Loom runs in the Temporal Web UI.
// In workflows/ because the run workflow keeps LoomStatus current; the platform registers them on the cluster.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const LoomUserId = defineSearchAttributeKey('LoomUserId', SearchAttributeType.KEYWORD);
export const LoomWorkflowId = defineSearchAttributeKey('LoomWorkflowId', SearchAttributeType.KEYWORD);
export const LoomRunId = defineSearchAttributeKey('LoomRunId', SearchAttributeType.KEYWORD);
export const LoomStatus = defineSearchAttributeKey('LoomStatus', SearchAttributeType.KEYWORD);
/** The Loom workflow's name when the run started (a keyword: filter by the exact name, `LoomWorkflowName = "Leads"`). */
export const LoomWorkflowName = defineSearchAttributeKey('LoomWorkflowName', SearchAttributeType.KEYWORD);

export const LOOM_SEARCH_ATTRIBUTES = [LoomUserId, LoomWorkflowId, LoomRunId, LoomStatus, LoomWorkflowName] as const;

/** The one line the Web UI shows for a run: the Loom workflow's name and what started it. */
export function runSummary(workflowName: string, trigger: string): string {
  return `${workflowName.length > 150 ? `${workflowName.slice(0, 149)}…` : workflowName} · ${trigger}`;
}
