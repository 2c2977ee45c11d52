// A loop's results on their way out of the workflow. Each result is small or a payload reference (activities and
// pure nodes offload anything over 128 KB), but a list of them need not be: 500 results of 100 KB would make a 50 MB
// history event, and Temporal refuses events over 2 MB. Results leave a chunk as segments of at most SLICE_BYTES,
// stored as payloads once all together pass the payload threshold; the loop's output is joined from them in an
// activity, and stored too when large. A short list of small results never leaves the workflow.
import type { ItemSegment } from '../activities/contracts.js';
import { exceedsThreshold, PAYLOAD_THRESHOLD_BYTES } from '../nodes/runtime/payload-ref.js';
import { bookkeeping } from './bookkeeping.js';
import type { ItemError } from './loop-body.js';

/** The most JSON one activity call carries for a loop: well under Temporal's 2 MB, with one result (128 KB) to spare. */
const SLICE_BYTES = 1_000_000;

const sizeOf = (value: unknown) => (value === undefined ? 0 : JSON.stringify(value).length);

/** The results as segments: one inline when they are small together, else slices stored as payloads. */
export async function toSegments(runId: string, nodeId: string, results: unknown[]): Promise<ItemSegment[]> {
  const sizes = results.map(sizeOf);
  if (sizes.reduce((a, b) => a + b, 0) <= PAYLOAD_THRESHOLD_BYTES) return [{ values: results }];
  const slices: unknown[][] = [];
  let slice: unknown[] = [];
  let bytes = 0;
  results.forEach((r, i) => {
    if (bytes + (sizes[i] ?? 0) > SLICE_BYTES && slice.length > 0) {
      slices.push(slice);
      slice = [];
      bytes = 0;
    }
    slice.push(r);
    bytes += sizes[i] ?? 0;
  });
  if (slice.length > 0) slices.push(slice);
  return storeEach(runId, nodeId, slices);
}

/**
 * One slice at a time: the commands of one workflow task travel in one gRPC message (4 MB at most), so several
 * slices scheduled together would fail the task, again on every retry.
 */
async function storeEach(runId: string, nodeId: string, slices: unknown[][]): Promise<ItemSegment[]> {
  const stored: ItemSegment[] = [];
  for (const values of slices) stored.push(await bookkeeping.storeItems({ runId, nodeId, values }));
  return stored;
}

/** The loop's output from its segments: inline when it is small, else joined (and stored) in an activity. */
export async function loopOutput(
  runId: string,
  nodeId: string,
  segments: ItemSegment[],
  errors: { index: number; error: ItemError }[] | undefined,
): Promise<unknown> {
  if (segments.every((s) => 'values' in s)) {
    const results = segments.flatMap((s) => ('values' in s ? s.values : []));
    const output = errors ? { results, errors } : results;
    if (!exceedsThreshold(output)) return output;
  }
  // Inline segments of many chunks may together pass a slice: each goes to the join as a stored one then.
  let inline = 0;
  for (const s of segments) if ('values' in s) inline += sizeOf(s.values);
  let sent = segments;
  if (inline > SLICE_BYTES) {
    sent = [];
    for (const s of segments) sent.push(...('values' in s ? await storeEach(runId, nodeId, [s.values]) : [s]));
  }
  return bookkeeping.joinItems({ runId, nodeId, segments: sent, ...(errors ? { errors } : {}) });
}
