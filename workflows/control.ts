// The run workflow's control surface: updates to pause and resume (validated, answered with the new state),
// a query for the live state, and a wake-up the interpreter loop awaits alongside its running nodes.
import { defineQuery, defineUpdate, setHandler } from '@temporalio/workflow';

export interface RunLiveState {
  status: 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';
  paused: boolean;
  activeMs: number;
  budgetMs: number;
  nodes: Record<string, 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'waiting'>;
}

/** Who asked, for the audit trail. */
export interface ControlRequest {
  by?: string;
}

export const pauseUpdate = defineUpdate<RunLiveState, [ControlRequest]>('pause');
export const resumeUpdate = defineUpdate<RunLiveState, [ControlRequest]>('resume');
export const stateQuery = defineQuery<RunLiveState>('state');

export class RunControl {
  paused = false;
  /** Transitions not yet recorded by the loop, in order. */
  readonly transitions: ('paused' | 'resumed')[] = [];
  private wake: () => void = () => undefined;

  /** `paused`: the run was paused when its previous execution continued as new. */
  constructor(state: (paused: boolean) => RunLiveState, paused = false) {
    this.paused = paused;
    // Updates sent before this execution set its handlers are delivered inside setHandler: read paused from here.
    const liveState = () => state(this.paused);
    const active = () => {
      const s = liveState().status;
      return s === 'running' || s === 'paused';
    };
    setHandler(
      pauseUpdate,
      (_request: ControlRequest) => {
        this.paused = true;
        this.transitions.push('paused');
        this.wake();
        return liveState();
      },
      {
        validator: (_request: ControlRequest) => {
          if (!active()) throw new Error('The run has finished');
          if (this.paused) throw new Error('The run is already paused');
        },
      },
    );
    setHandler(
      resumeUpdate,
      (_request: ControlRequest) => {
        this.paused = false;
        this.transitions.push('resumed');
        this.wake();
        return liveState();
      },
      {
        validator: (_request: ControlRequest) => {
          if (!active()) throw new Error('The run has finished');
          if (!this.paused) throw new Error('The run is not paused');
        },
      },
    );
    setHandler(stateQuery, liveState);
  }

  /** Resolves on the next pause or resume; raced with the running nodes so the loop reacts at once. */
  nextChange(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }
}
