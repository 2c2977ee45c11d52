// Loom's activities: every side effect of a run happens here, never in workflow code.
// Created with their dependencies injected, so a worker and a test build them the same way.
import { createEvaluatePure } from './evaluate-pure.js';
import { createExecuteNode, type ExecuteNodeDeps } from './execute-node.js';
import { createHumanActivities, type NotifySettings } from './human.js';
import { createRecordProgress } from './record-progress.js';

export type ActivityDeps = ExecuteNodeDeps & { notify?: NotifySettings | undefined };

export function createActivities(deps: ActivityDeps) {
  return {
    executeNode: createExecuteNode(deps),
    recordProgress: createRecordProgress(deps.db),
    evaluatePure: createEvaluatePure(deps.db),
    ...createHumanActivities(deps),
  };
}

export type LoomActivities = ReturnType<typeof createActivities>;
