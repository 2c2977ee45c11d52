// Records the histories in test/histories/plan-v2/pure: runs whose pure nodes settle in the scheduler's pass
// (patch pure-nodes-settle-in-pass) beside activities on parallel branches, one of them pending on JSONata and one
// waiting on a timer, so replay.int.test.ts guards the order the patched scheduler issues commands in.
// Only when asked: LOOM_RECORD_HISTORIES=1 npx vitest run --project pglite test/record-pure-histories.int.test.ts
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edge, httpNode as http } from './support/documents.js';
import { decodedHistory } from './support/history.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { runToEnd } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

const out = fileURLToPath(new URL('./histories/plan-v2/pure', import.meta.url));
const set = (id: string, value: string) => ({ id, type: 'data.set', config: { assignments: [{ name: 'x', value }] } });

describe.runIf(process.env.LOOM_RECORD_HISTORIES === '1')('record pure-node histories', () => {
  let stack: TestStack;
  let peer: HttpPeer;
  beforeAll(async () => {
    stack = await startTestStack();
    peer = await startHttpPeer((app) => app.get('/ok', async () => ({ ok: true })));
  });
  afterAll(async () => {
    await stack?.close();
    await peer?.close();
  });

  it('records', async () => {
    const document = {
      name: 'pure-pass',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        set('inc', '{{ $json.x + 1 }}'),
        set('label', '{{ "n" & $json.x & ($json.x > 1 ? "+" : "-") }}'),
        { id: 'if', type: 'logic.if', config: { conditions: [{ left: '{{ $node.inc.x }}', operator: 'gt', right: 1 }] } },
        http('a', `${peer.url}/ok`),
        { id: 'after-a', type: 'flow.noop' },
        { id: 'no', type: 'flow.noop' },
        http('b', `${peer.url}/ok`),
        set('jsonata', '{{ $string($json.ok) }}'),
        { id: 'wait', type: 'flow.wait', config: { durationMs: 100 } },
        { id: 'end', type: 'logic.merge', config: { mode: 'bySource' } },
      ],
      edges: [
        edge('start', 'inc'),
        edge('inc', 'label'),
        edge('label', 'if'),
        edge('if', 'a', 'true'),
        edge('if', 'no', 'false'),
        edge('a', 'after-a'),
        edge('start', 'b'),
        edge('b', 'jsonata'),
        edge('jsonata', 'wait'),
        edge('wait', 'end'),
        edge('after-a', 'end'),
      ],
    };
    const run = await runToEnd(stack.api, document, { input: { x: 1 } });
    expect(run.status, JSON.stringify(run.error)).toBe('completed');
    const history = await decodedHistory(
      await stack.temporal.client.workflow.getHandle(run.temporalWorkflowId).fetchHistory(),
      stack.codec,
    );
    const markers = history.events?.filter((e) => e.markerRecordedEventAttributes).length ?? 0;
    expect(markers).toBeGreaterThan(0);
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'pure-pass.json'), historyToJSON(history));
  });
});
