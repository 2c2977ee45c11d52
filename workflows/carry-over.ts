// Long runs: an execution whose history nears Temporal's limits (51,200 events, 50 MB) continues as new at a node
// boundary, carrying the run's state, so a run of any length looks like one run: same run id, same events (they
// live in Loom's database), same API view. The boundary: no new node starts; running nodes settle, except those
// waiting on a person, whose open requests carry over (same id, same deadline); update handlers finish; records
// are flushed. The state travels inline when small, else as payloads of the run (activities/carried-state.ts).
import { allHandlersFinished, condition, continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import { z } from 'zod';
import type { PayloadRef } from '../nodes/runtime/payload-ref.js';
import { bookkeeping } from './bookkeeping.js';
import type { RunControl } from './control.js';
import type { CarriedRequest, HumanWaits } from './human-waits.js';
import type { loomRun, RunWorkflowInput } from './run.js';
import { CarriedStateSchema, type RunState } from './run-state.js';

/** Carried inline up to this much JSON; past it, stored in parts of at most this much (Temporal refuses payloads over 2 MB). */
const INLINE_CHARS = 256 * 1024;

export const CarriedRunSchema = CarriedStateSchema.extend({
  /** Executions of this run before the one it starts (1 for the first continuation). */
  executions: z.number().int().min(1),
  /** Written by HumanWaits.carry alone (the spec is the question as it was sent), so only its shape is checked. */
  requests: z.array(z.custom<CarriedRequest>((v) => typeof v === 'object' && v !== null && 'id' in v && 'spec' in v && 'openedAt' in v)),
  paused: z.boolean(),
  /** Pauses and resumes so far: each transition's event is keyed by its occurrence. */
  occurrences: z.object({ paused: z.number().int(), resumed: z.number().int() }),
});
export type CarriedRun = z.infer<typeof CarriedRunSchema>;

/** How the state reaches the next execution: in its input, or as references to the stored parts of its JSON. */
export type Carried = { inline: CarriedRun } | { parts: PayloadRef[] };

/** The previous execution's state, read back (from the stored parts when it was too large to travel inline). */
export async function loadCarried(runId: string, carried: Carried | undefined): Promise<CarriedRun | undefined> {
  if (!carried) return undefined;
  if ('inline' in carried) return CarriedRunSchema.parse(carried.inline);
  const parts = await Promise.all(carried.parts.map((ref) => bookkeeping.loadCarriedPart({ runId, ref })));
  return CarriedRunSchema.parse(JSON.parse(parts.join('')));
}

export interface Boundary {
  runId: string;
  state: RunState;
  control: RunControl;
  human: HumanWaits;
  occurrences: { paused: number; resumed: number };
  /** Sends the records not yet sent and waits for every send in flight. */
  flush(): Promise<void>;
  /** Records the pause and resume transitions not yet recorded. */
  recordTransitions(): Promise<void>;
}

export class CarryOver {
  /** Past the budget: no new node starts until the execution continues as new. */
  draining = false;
  /** Runs recorded before continue-as-new replay without ever reaching a boundary. */
  private readonly enabled = patched('loom-continue-as-new');

  constructor(
    private readonly at: Boundary,
    /** The history budget in events; absent (runs started before it was configured), Temporal's suggestion alone. */
    private readonly historyEvents: number | undefined,
    /** Executions of this run before this one. */
    private readonly executions: number,
  ) {}

  /** Called at every turn of the scheduler: once history nears its limits, the boundary begins. */
  check(): void {
    if (!this.enabled || this.draining) return;
    const info = workflowInfo();
    if (info.continueAsNewSuggested || (this.historyEvents !== undefined && info.historyLength >= this.historyEvents)) this.draining = true;
  }

  /** Every node started has settled or waits on a person. */
  drained(): boolean {
    const { state, human } = this.at;
    for (const id of state.running.keys()) if (!human.parked(id)) return false;
    return true;
  }

  /** Resolves when the last running node settles or parks, to wake the scheduler. */
  untilDrained(): Promise<void> {
    return condition(() => this.drained());
  }

  /**
   * Continues as new when the boundary is reached (never returns then); returns when something moved meanwhile (an
   * answer woke a waiting node), and the scheduler carries on until the boundary is reached again.
   */
  async cross(next: (carried: Carried) => RunWorkflowInput): Promise<void> {
    const { state, control } = this.at;
    for (;;) {
      await this.at.flush();
      // An update handler in flight (pause, an answer) finishes here, not in an execution that is gone.
      await condition(allHandlersFinished);
      if (control.transitions.length > 0) {
        await this.at.recordTransitions();
        continue;
      }
      if (!this.drained() || state.records.length > 0) return;
      const carried = await this.pack();
      // Storing took an activity: whatever changed meanwhile is taken in on the next round.
      if (control.transitions.length > 0 || !this.drained() || state.records.length > 0) continue;
      await continueAsNew<typeof loomRun>(next(carried));
    }
  }

  private async pack(): Promise<Carried> {
    const { state, control, human, occurrences } = this.at;
    const run: CarriedRun = {
      ...state.carry(),
      executions: this.executions + 1,
      requests: human.carry(),
      paused: control.paused,
      occurrences: { ...occurrences },
    };
    const json = JSON.stringify(run);
    if (json.length <= INLINE_CHARS) return { inline: run };
    const parts: string[] = [];
    for (let i = 0; i < json.length; i += INLINE_CHARS) parts.push(json.slice(i, i + INLINE_CHARS));
    const { runId } = this.at;
    return { parts: await Promise.all(parts.map((part) => bookkeeping.storeCarriedPart({ runId, part }))) };
  }
}
