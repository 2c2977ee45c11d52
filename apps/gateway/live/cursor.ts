// Streams one run's events from a sequence number on: reads from the database whatever has not been sent,
// strictly in order, and never sends an event twice, however notifications interleave with reads.
import type { Database } from '../../../db/client.js';
import { listRunEvents } from '../../../db/event-store.js';
import type { RunEventRow } from '../../../db/schema.js';

export interface RunEventView {
  seq: number;
  type: string;
  nodeId: string | null;
  data: unknown;
  at: string;
}

export function eventView(row: RunEventRow): RunEventView {
  return { seq: row.seq, type: row.type, nodeId: row.nodeId, data: row.data, at: row.createdAt.toISOString() };
}

const PAGE = 500;

export class RunEventCursor {
  private pumping = false;
  private again = false;
  private stopped = false;
  private retryMs = 0;

  constructor(
    private readonly db: Database,
    private readonly runId: string,
    private lastSeq: number,
    private readonly send: (event: RunEventView) => void,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Safe to call at any time and any number of times; calls during a read coalesce into one more pass. */
  pump = (): void => {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.drain()
      .then(
        () => (this.retryMs = 0),
        (err: unknown) => {
          this.onError(err);
          // A read lost to the database (a dropped connection) is tried again: no later notification may come,
          // and the stream would stall short of the run's last events.
          this.retryMs = Math.min(Math.max(this.retryMs * 2, 500), 5_000);
          setTimeout(this.pump, this.retryMs).unref();
        },
      )
      .finally(() => (this.pumping = false));
  };

  stop(): void {
    this.stopped = true;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      for (;;) {
        const rows = await listRunEvents(this.db, this.runId, this.lastSeq, PAGE);
        for (const row of rows) {
          if (this.stopped) return;
          this.send(eventView(row));
          this.lastSeq = row.seq;
        }
        if (rows.length < PAGE) break;
      }
    } while (this.again && !this.stopped);
  }
}
