// Workflow bundle entry for the raw Temporal baselines: a chain of no-op activities, regular or local. No Loom code,
// so what it measures is the server and the SDK on this machine with the given server settings.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

export interface RawActivities {
  noop(value: number): Promise<number>;
}

const regular = proxyActivities<RawActivities>({ startToCloseTimeout: '10 seconds' });
const local = proxyLocalActivities<RawActivities>({ startToCloseTimeout: '10 seconds' });

export async function rawChain(args: { steps: number; local: boolean }): Promise<number> {
  const { noop } = args.local ? local : regular;
  let value = 0;
  for (let i = 0; i < args.steps; i++) value = await noop(value);
  return value;
}
