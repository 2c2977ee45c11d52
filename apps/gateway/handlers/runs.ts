// What a caller does to a run, written once for the REST routes and the WebSocket commands: the same scope check,
// the same lookup (another user's run is a 404, never a 403), the same orchestrator call. A refusal is an ApiError
// or an OrchestratorError, which errors.ts maps one way for every channel.
import type { Client } from '@temporalio/client';
import type { Database } from '../../../db/client.js';
import { findRun } from '../../../db/run-store.js';
import type { RunRow } from '../../../db/schema.js';
import type { Principal } from '../../../identity/principal.js';
import { liveState, superviseRun, type ControlAction } from '../../../orchestrator/control.js';
import { requireScope } from '../auth/authenticate.js';
import { ApiError } from '../errors.js';

export interface RunHandlerDeps {
  db: Database;
  client: Client;
}

/** The caller's own run; NOT_FOUND for a run that is not, whether it exists or not. */
export async function ownRun(db: Database, principal: Principal, runId: string): Promise<RunRow> {
  const run = await findRun(db, runId, principal.userId);
  if (!run) throw new ApiError('NOT_FOUND', `Run ${runId} not found`);
  return run;
}

/** The run's state as the workflow itself reports it (paused, active time, each node's status). */
export async function readLiveState(deps: RunHandlerDeps, principal: Principal, runId: string) {
  requireScope(principal, 'runs:read');
  return liveState(deps.client, await ownRun(deps.db, principal, runId));
}

/** Pause, resume, stop or terminate the caller's run; the audit trail names the caller and the channel. */
export async function superviseOwnRun(
  deps: RunHandlerDeps,
  principal: Principal,
  args: { runId: string; action: ControlAction; via: 'api' | 'websocket'; reason?: string },
) {
  requireScope(principal, 'runs:write');
  const run = await ownRun(deps.db, principal, args.runId);
  return superviseRun(deps, run, args.action, {
    by: principal.userId,
    via: args.via,
    ...(args.reason === undefined ? {} : { reason: args.reason }),
  });
}
