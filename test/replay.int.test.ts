// Determinism guard: recorded histories of representative runs are replayed against the current workflow code.
// A change that would break runs in flight fails here, in CI, instead of in production.
// Histories are kept per plan format (`plan-v1`: expanded plans, `plan-v2`: compact plans), since runs of both may be
// in flight. Recording writes the current format's folder: LOOM_RECORD_HISTORIES=1 npx vitest run --project pglite test/replay.int.test.ts
// Recorded histories are stored decrypted (the stack's master key is thrown away) and replayed through the payload
// codec, which is also what proves that histories recorded before payload encryption still replay: the codec lets
// a payload without its encoding through unchanged.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPayloadCodec } from '../platform/temporal/codec.js';
import { edge, httpNode as http } from './support/documents.js';
import { decodedHistory } from './support/history.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { runToEnd } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

const dir = fileURLToPath(new URL('./histories', import.meta.url));
const recording = process.env.LOOM_RECORD_HISTORIES === '1';
/** Where recording writes: the plan format the compiler emits now. */
const CURRENT_FORMAT = 'plan-v2';

/** One document per behaviour the interpreter has: sequence, parallel join, routing, error policies, waits, failure. */
function representativeRuns(peer: string): Record<string, { document: object; input?: unknown }> {
  return {
    linear: {
      document: {
        name: 'linear',
        nodes: [{ id: 'start', type: 'trigger.manual' }, http('a', `${peer}/ok`), http('b', `${peer}/ok`)],
        edges: [edge('start', 'a'), edge('a', 'b')],
      },
    },
    diamond: {
      document: {
        name: 'diamond',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          http('l', `${peer}/ok`),
          http('r', `${peer}/ok`),
          { id: 'm', type: 'logic.merge', config: { mode: 'bySource' } },
        ],
        edges: [edge('start', 'l'), edge('start', 'r'), edge('l', 'm'), edge('r', 'm')],
      },
    },
    routing: {
      input: { n: 5 },
      document: {
        name: 'routing',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          { id: 'if', type: 'logic.if', config: { conditions: [{ left: '{{ $json.n }}', operator: 'gt', right: 3 }] } },
          {
            id: 'sw',
            type: 'logic.switch',
            config: { rules: [{ key: 'big', conditions: [{ left: '{{ $json.n }}', operator: 'gt', right: 4 }] }] },
          },
          { id: 'set', type: 'data.set', config: { assignments: [{ name: 'doubled', value: '{{ $json.n * 2 }}' }] } },
          http('no', `${peer}/ok`),
        ],
        edges: [edge('start', 'if'), edge('if', 'sw', 'true'), edge('if', 'no', 'false'), edge('sw', 'set', 'big')],
      },
    },
    errors: {
      document: {
        name: 'errors',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          http('bad', `${peer}/fail`, { onError: 'route' }),
          http('cont', `${peer}/fail`, { onError: 'continue' }),
          { id: 'handler', type: 'flow.noop' },
        ],
        edges: [edge('start', 'bad'), edge('bad', 'handler', 'error'), edge('start', 'cont')],
      },
    },
    wait: {
      document: {
        name: 'wait',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          { id: 'w', type: 'flow.wait', config: { durationMs: 200 } },
          http('after', `${peer}/ok`),
        ],
        edges: [edge('start', 'w'), edge('w', 'after')],
      },
    },
    failure: {
      document: {
        name: 'failure',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          { id: 'stop', type: 'flow.stop_error', config: { message: 'no' } },
          http('never', `${peer}/ok`),
        ],
        edges: [edge('start', 'stop'), edge('stop', 'never')],
      },
    },
  };
}

describe.runIf(recording)('record histories', () => {
  let stack: TestStack;
  let peer: HttpPeer;
  beforeAll(async () => {
    stack = await startTestStack();
    peer = await startHttpPeer((app) => {
      app.get('/ok', async () => ({ ok: true }));
      app.get('/fail', async (_req, reply) => reply.status(400).send({ message: 'bad' }));
    });
  });
  afterAll(async () => {
    await stack?.close();
    await peer?.close();
  });

  it('records one history per representative run', async () => {
    for (const [name, { document, input }] of Object.entries(representativeRuns(peer.url))) {
      const run = await runToEnd(stack.api, document, { input: input ?? {} });
      // A history is only worth keeping if the run did what it represents.
      expect(run.status, `${name}: ${JSON.stringify(run.error)}`).toBe(name === 'failure' ? 'failed' : 'completed');
      const history = await decodedHistory(
        await stack.temporal.client.workflow.getHandle(run.temporalWorkflowId).fetchHistory(),
        stack.codec,
      );
      await mkdir(path.join(dir, CURRENT_FORMAT), { recursive: true });
      await writeFile(path.join(dir, CURRENT_FORMAT, `${name}.json`), historyToJSON(history));
    }
  });
});

describe.skipIf(recording)('replay', () => {
  it('replays every recorded history with the current workflow code', async () => {
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.json')).sort();
    // Six behaviours in each plan format.
    expect(files.filter((f) => f.startsWith('plan-v1')).length).toBeGreaterThanOrEqual(6);
    expect(files.filter((f) => f.startsWith(CURRENT_FORMAT)).length).toBeGreaterThanOrEqual(6);
    // And every other path through the interpreter (test/record-interpreter-histories.int.test.ts).
    expect(files.filter((f) => f.startsWith(path.join(CURRENT_FORMAT, 'interpreter'))).length).toBeGreaterThanOrEqual(12);
    // What every worker runs with: a codec under some master key (none of these histories is encrypted).
    const dataConverter = { payloadCodecs: [createPayloadCodec(randomBytes(32))] };
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(await readFile(path.join(dir, file), 'utf8')));
      await expect(
        Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter }, history, `replay-${file}`),
        file,
      ).resolves.toBeUndefined();
    }
  });
});
