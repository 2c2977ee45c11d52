// Loom's activities: every side effect of a run happens here, never in workflow code.
// Created with their dependencies injected, so a worker and a test build them the same way.
import { createOwnerNodes, type OwnerNodes } from '../db/custom-node-registry.js';
import { appendRunEvents } from '../db/event-store.js';
import { sandboxRuntime } from '../nodes/custom/runtime.js';
import { createCarriedStateActivities } from './carried-state.js';
import { createEvaluatePure } from './evaluate-pure-activity.js';
import { events } from './events.js';
import { createExecuteNode, type ExecuteNodeDeps } from './execute-node.js';
import { createItemActivities } from './items.js';
import { createKnowledgeActivities, type KnowledgeActivityDeps } from './knowledge.js';
import { createRequestActivities, type NotifySettings } from './human-requests.js';
import { createNodePreviewActivities } from './node-preview.js';
import { createRecordItemsProgress, createRecordProgress } from './record-progress.js';
import { createScheduledRunActivities } from './scheduled-run.js';

export type ActivityDeps = Omit<ExecuteNodeDeps, 'owners'> & {
  /** Each user's node types; default: the built-ins and this database's custom nodes, in the sandboxes. */
  owners?: OwnerNodes | undefined;
  notify?: NotifySettings | undefined;
  /** File sources of knowledge bases: the files component's extractor (see KnowledgeActivityDeps). */
  readFileText?: KnowledgeActivityDeps['readFileText'];
};

export function createActivities(raw: ActivityDeps) {
  const deps: ExecuteNodeDeps & ActivityDeps = {
    ...raw,
    owners: raw.owners ?? createOwnerNodes(raw.db, raw.nodes, sandboxRuntime.run),
    emitProgress: async (runId, e) => {
      await appendRunEvents(raw.db, runId, [events.progress(e)]);
    },
  };
  return {
    executeNode: createExecuteNode(deps),
    recordProgress: createRecordProgress(deps.db, deps.metrics),
    recordItemsProgress: createRecordItemsProgress(deps.db),
    ...createItemActivities(deps.db),
    evaluatePure: createEvaluatePure(deps.db),
    ...createCarriedStateActivities(deps.db),
    ...createRequestActivities(deps),
    ...createNodePreviewActivities(deps),
    ...createScheduledRunActivities(deps),
    ...createKnowledgeActivities(deps),
  };
}

export type LoomActivities = ReturnType<typeof createActivities>;
