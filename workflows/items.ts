// Items of a loop (flow.for_each), run with a concurrency limit and an error policy. A short list runs in the run's
// own workflow; a long one in chunks, each a child workflow (`loomItems`) that runs its items with the same pool, so
// no history holds more than a chunk's activities however long the list (Temporal keeps a history to 50,000
// events; an item is at least an activity's three). Chunks run a few at a time, and the concurrency is split among
// them, so the items in flight never exceed the node's limit. Children take ids derived from the run's workflow
// id, the loop and the chunk, so a retried start finds the same child; the parent's cancellation (a stop) reaches
// them and, through them, every item in flight. After each chunk the run records how many items are done.
import { executeChild, workflowInfo } from '@temporalio/workflow';
import type { ItemSegment } from '../activities/contracts.js';
import type { ExpandedPlan } from '../compiler/plan.js';
import type { ItemErrorPolicy } from '../nodes/flow/for-each.js';
import { bookkeeping } from './bookkeeping.js';
import { HumanWaits } from './human-waits.js';
import { toSegments } from './item-results.js';
import { loopBody, runItem, type ItemError, type ItemScope, type LoopBody } from './loop-body.js';
import { RunState } from './run-state.js';
import type { StepContext } from './steps/outcome.js';

/** Lists up to this long run in the run's workflow; longer ones in child workflows of CHUNK_ITEMS each at most. */
export const IN_WORKFLOW_ITEMS = 200;
export const CHUNK_ITEMS = 500;
/**
 * And of CHUNK_BYTES of items at most: a chunk's items are its child's input, in the parent's history, and the
 * starts of PARALLEL_CHUNKS chunks can leave in one workflow task, whose commands share one 4 MB gRPC message.
 */
const CHUNK_BYTES = 512 * 1024;
/** Chunks running at once: enough to keep a concurrency of 100 busy across chunk boundaries. */
const PARALLEL_CHUNKS = 4;

export interface ItemsOutcome {
  /** One per item, in order: its result, its error (continue), or null (failed under collect, or never run). */
  results: unknown[];
  /** Under collect: every failed item, by index. */
  errors: { index: number; error: ItemError }[];
  /** Under stop: the first item that failed; no item started after it. */
  stopped?: { index: number; error: ItemError };
}

/** What a chunk returns, and a long list ends with: the results as segments (item-results.ts), kept out of history when large. */
export type ChunkOutcome = Omit<ItemsOutcome, 'results'> & { segments: ItemSegment[] };

export interface ItemsSpec {
  items: unknown[];
  /** Index of items[0] in the whole list. */
  offset: number;
  concurrency: number;
  policy: ItemErrorPolicy;
}

/** Runs items through the body, at most `concurrency` at once; results keep the list's order. */
export async function runItems(ctx: StepContext, body: LoopBody, scope: ItemScope, spec: ItemsSpec): Promise<ItemsOutcome> {
  const { items, offset, policy } = spec;
  const outcome: ItemsOutcome = { results: new Array<unknown>(items.length).fill(null), errors: [] };
  let next = 0;
  const worker = async () => {
    while (next < items.length && !outcome.stopped) {
      const i = next++;
      const result = await runItem(ctx, body, scope, items[i], offset + i);
      if (result.ok) outcome.results[i] = result.output;
      else if (policy === 'stop') outcome.stopped ??= { index: offset + i, error: result.error };
      else if (policy === 'continue') outcome.results[i] = { error: result.error };
      else outcome.errors.push({ index: offset + i, error: result.error });
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, items.length) }, worker));
  outcome.errors.sort((a, b) => a.index - b.index);
  return outcome;
}

/** A chunk as a child workflow receives it: the loop and its body only, never the whole plan. */
export interface ItemsChunkInput extends ItemsSpec {
  runId: string;
  loopId: string;
  plan: ExpandedPlan;
  scope: ItemScope;
  /** What is left of the run's execution budget when the chunk starts: no item runs longer. */
  budgetMs: number;
}

/** Runs a long list as chunks of child workflows, PARALLEL_CHUNKS at a time, recording progress after each. */
export async function runChunks(ctx: StepContext, body: LoopBody, scope: ItemScope, spec: ItemsSpec): Promise<ChunkOutcome> {
  const { items, policy } = spec;
  const ranges = chunkRanges(items);
  const chunks = ranges.length;
  const parallel = Math.min(chunks, PARALLEL_CHUNKS, spec.concurrency);
  const perChunk = Math.max(1, Math.floor(spec.concurrency / parallel));
  const plan: ExpandedPlan = { ...ctx.state.plan, nodes: [body.loop, ...body.nodes], triggers: [] };
  const bySegment: ItemSegment[][] = new Array<ItemSegment[]>(chunks).fill([]);
  const outcome: ChunkOutcome = { segments: [], errors: [] };
  const parentId = workflowInfo().workflowId;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < chunks && !outcome.stopped) {
      const c = next++;
      const [from, to] = ranges[c] as [number, number];
      const input: ItemsChunkInput = {
        runId: ctx.runId,
        loopId: body.loop.id,
        plan,
        scope,
        budgetMs: ctx.state.budgetLeftMs,
        items: items.slice(from, to),
        offset: spec.offset + from,
        concurrency: perChunk,
        policy,
      };
      const chunk = await executeChild(loomItems, { workflowId: `${parentId}-items-${body.loop.id}-${c}`, args: [input] });
      bySegment[c] = chunk.segments;
      outcome.errors.push(...chunk.errors);
      // Another chunk may have stopped while this one ran: the earliest failed item is the loop's error.
      const earlier = (outcome as ChunkOutcome).stopped?.index ?? Infinity;
      if (chunk.stopped && chunk.stopped.index < earlier) outcome.stopped = chunk.stopped;
      done += input.items.length;
      await bookkeeping.recordItemsProgress({
        runId: ctx.runId,
        nodeId: body.loop.id,
        done,
        total: items.length,
        failed: outcome.errors.length + (outcome.stopped ? 1 : 0),
      });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  outcome.errors.sort((a, b) => a.index - b.index);
  // Chunks never run (after a stop) leave their items out; the loop fails then, and the segments are not read.
  return { ...outcome, segments: bySegment.flat() };
}

/** Where chunks start and end: CHUNK_ITEMS items, or fewer when they would pass CHUNK_BYTES (one item always fits). */
export function chunkRanges(items: unknown[]): [number, number][] {
  const ranges: [number, number][] = [];
  let from = 0;
  let bytes = 0;
  items.forEach((item, i) => {
    const size = item === undefined ? 0 : JSON.stringify(item).length;
    if (i > from && (i - from >= CHUNK_ITEMS || bytes + size > CHUNK_BYTES)) {
      ranges.push([from, i]);
      from = i;
      bytes = 0;
    }
    bytes += size;
  });
  if (items.length > from) ranges.push([from, items.length]);
  return ranges;
}

/** The child workflow of one chunk: its items through the body, with the run's budget left as its own. */
export async function loomItems(input: ItemsChunkInput): Promise<ChunkOutcome> {
  const plan: ExpandedPlan = { ...input.plan, settings: { ...input.plan.settings, timeoutMs: input.budgetMs } };
  const body = loopBody(plan, input.loopId);
  const state = new RunState(plan, body.loop, undefined, input.scope.run);
  const ctx: StepContext = { runId: input.runId, state, human: new HumanWaits() };
  const { results, ...rest } = await runItems(ctx, body, input.scope, input);
  return { ...rest, segments: await toSegments(input.runId, input.loopId, results) };
}
