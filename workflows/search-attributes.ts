// The search attributes Loom sets on every run, so operators can filter Loom runs in the Temporal Web UI.
// In workflows/ because the run workflow keeps LoomStatus current; the platform registers them on the cluster.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const LoomUserId = defineSearchAttributeKey('LoomUserId', SearchAttributeType.KEYWORD);
export const LoomWorkflowId = defineSearchAttributeKey('LoomWorkflowId', SearchAttributeType.KEYWORD);
export const LoomRunId = defineSearchAttributeKey('LoomRunId', SearchAttributeType.KEYWORD);
export const LoomStatus = defineSearchAttributeKey('LoomStatus', SearchAttributeType.KEYWORD);

export const LOOM_SEARCH_ATTRIBUTES = [LoomUserId, LoomWorkflowId, LoomRunId, LoomStatus] as const;
