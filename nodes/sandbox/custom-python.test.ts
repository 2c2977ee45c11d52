// Custom Python nodes on the Python sandbox: the seed's Trello node extracted and executed, with a small bridge
// function standing in for the host's (the unit's own interface: it records what reached it and answers JSON).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeOp, CustomNodeCall, CustomNodeResult } from '../custom/protocol.js';
import { NodeError } from '../sdk/errors.js';
import { extractPythonNode, runCustomPython } from './custom-python.js';
import { PythonSandbox } from './python.js';

const TRELLO = readFileSync(new URL('../../test/fixtures/custom-nodes/trello.py', import.meta.url), 'utf8');
const sandbox = new PythonSandbox({ maxInterpreters: 2, memoryLimitMb: 256, graceMs: 500 });
beforeAll(() => sandbox.warm(), 60_000);
afterAll(() => sandbox.shutdown());

const owner = { owner: 'owner-a' };
const meta = { runId: 'run-1', nodeId: 'card', attempt: 2, idempotencyKey: 'run-1:card', attachedSlots: ['trello'] };
const call = (source: string, config: Record<string, unknown> = {}, input: unknown = {}): CustomNodeCall => ({
  source,
  input,
  config,
  meta,
  timeoutMs: 5_000,
});

/** A bridge that records every request and answers from `answers` (a NodeError thrown is a refusal). */
function recordingBridge(answers: Partial<Record<BridgeOp, (args: unknown) => unknown>>) {
  const received: { op: BridgeOp; args: unknown }[] = [];
  const bridge = async (op: BridgeOp, args: unknown) => {
    received.push({ op, args });
    const answer = answers[op];
    if (!answer) throw new NodeError('NODE_INTERNAL', `no answer for ${op}`);
    return answer(args);
  };
  return { bridge, received };
}

const card = { id: 'c-1', shortUrl: 'https://trello.com/c/abc', name: 'Ship it' };
const trelloAnswers = (status = 200) => ({
  'credentials.get': () => ({ type: 'trelloApi', values: { apiKey: 'KEY-1', token: 'TOKEN-2' } }),
  'http.fetch': () => ({
    status,
    statusText: status === 200 ? 'OK' : 'Too Many Requests',
    url: 'https://api.trello.com/1/cards',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(card),
  }),
});

const failure = (result: CustomNodeResult) => {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.output)}`);
  return result;
};

/** A module whose one node runs `body` as the body of execute (indented by the caller's lines). */
const nodeWith = (body: string) =>
  `from loom import Node, NodeError, field\nclass Probe(Node):\n    node_type = 'probe'\n    async def execute(self, input, config, context):\n${body
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n')}\n`;

describe('custom Python nodes: extraction', () => {
  it("extracts the Trello node's declaration and its credential type as JSON", async () => {
    const result = await extractPythonNode(TRELLO, owner, sandbox);
    expect(result.ok && result.declaration).toEqual({
      node: {
        type: 'trello.create_card',
        version: 1,
        displayName: 'Trello: create card',
        description: 'Creates a card in a Trello list.',
        category: 'network',
        fields: {
          listId: { kind: 'string', label: 'List ID', required: true },
          name: { kind: 'string', label: 'Card title', required: true },
          description: { kind: 'string', label: 'Description', required: false },
        },
        inputs: null,
        outputs: null,
        credentials: [{ slot: 'trello', types: ['trelloApi'], required: true }],
        operations: ['external_api'],
        hosts: ['api.trello.com'],
        timeoutMs: null,
        hasExecute: true,
        hasDescribe: false,
      },
      credentialTypes: [
        {
          type: 'trelloApi',
          displayName: 'Trello',
          description: 'API key and token from trello.com/app-key.',
          fields: {
            apiKey: { kind: 'string', label: 'API key', required: true },
            token: { kind: 'string', label: 'Token', required: true, secret: true },
          },
          apply: { kind: 'query', params: { key: '{{apiKey}}', token: '{{token}}' } },
        },
      ],
    });
  });

  it('describes every kind of field with its options, and handles, timeouts and a non-async execute', async () => {
    const source = [
      'from loom import Node, field',
      'class Every(Node):',
      "    node_type = 'every'",
      "    display_name = 'Every field'",
      "    description = 'd'",
      "    inputs = [{'name': 'main', 'data_type': 'json'}]",
      "    outputs = [{'name': 'main', 'dataType': 'json'}]",
      '    timeout_ms = 2500',
      '    fields = {',
      "        'mode': field.select(['a', ('b', 'Bee'), {'value': 'c', 'label': 'Sea'}], label='Mode', default='a'),",
      "        'tags': field.multiselect(['x', 'y'], label='Tags'),",
      "        'count': field.number(label='Count', min=1, max=10, int=True, help='how many'),",
      "        'ratio': field.number('Ratio'),",
      "        'on': field.boolean(label='On', default=False),",
      "        'body': field.json(label='Body', placeholder='{}'),",
      "        'script': field.code(label='Script', language='python'),",
      "        'when': field.expression(label='When', required=True),",
      '    }',
      '    def execute(self, input, config, context):',
      '        return input',
    ].join('\n');
    const result = await extractPythonNode(source, owner, sandbox);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.declaration).toMatchObject({
      node: {
        type: 'every',
        category: null,
        inputs: [{ name: 'main', dataType: 'json' }],
        outputs: [{ name: 'main', dataType: 'json' }],
        timeoutMs: 2500,
        hasExecute: false,
        fields: {
          mode: {
            kind: 'select',
            label: 'Mode',
            required: false,
            default: 'a',
            options: [
              { value: 'a', label: 'a' },
              { value: 'b', label: 'Bee' },
              { value: 'c', label: 'Sea' },
            ],
          },
          tags: {
            kind: 'multiselect',
            options: [
              { value: 'x', label: 'x' },
              { value: 'y', label: 'y' },
            ],
          },
          count: { kind: 'number', label: 'Count', required: false, min: 1, max: 10, int: true, help: 'how many' },
          ratio: { kind: 'number', label: 'Ratio', required: false },
          on: { kind: 'boolean', default: false },
          body: { kind: 'json', placeholder: '{}' },
          script: { kind: 'code', language: 'python' },
          when: { kind: 'expression', required: true },
        },
      },
      credentialTypes: [],
    });
    // Options not given are absent, not null.
    expect(JSON.stringify(result.declaration)).toContain('"ratio":{"kind":"number","label":"Ratio","required":false},');
  });

  it('refuses a module with no node or with two, a syntax error, a throw, a hang and an oversized declaration', async () => {
    const error = async (source: string) => {
      const result = await extractPythonNode(source, owner, sandbox);
      if (result.ok) throw new Error(`expected a failure: ${JSON.stringify(result.declaration)}`);
      return result.error;
    };
    expect(await error('x = 1')).toMatchObject({ code: 'CODE_INVALID_REQUEST', message: expect.stringContaining('defines no node') });
    const two = "from loom import Node\nclass A(Node):\n    node_type = 'a'\nclass B(Node):\n    node_type = 'b'";
    expect(await error(two)).toMatchObject({ code: 'CODE_INVALID_REQUEST', message: expect.stringContaining('2 nodes (A, B)') });
    expect(await error('class (')).toMatchObject({ code: 'CODE_SYNTAX_ERROR' });
    expect(await error('raise ValueError("at load")')).toMatchObject({
      code: 'CODE_RUNTIME_ERROR',
      message: expect.stringContaining('ValueError: at load'),
    });
    const hang = await extractPythonNode('while True: pass', owner, sandbox);
    expect(hang).toMatchObject({ ok: false, error: { code: 'CODE_TIMEOUT' } });
    expect(hang.durationMs).toBeLessThan(4_500);
    const huge = "from loom import Node, field\nclass A(Node):\n    fields = {f'f{i}': field.string(label='x' * 100) for i in range(5000)}";
    expect(await error(huge)).toMatchObject({ code: 'CODE_OUTPUT_TOO_LARGE' });
    expect(await error("from loom import Node\nclass A(Node):\n    fields = {'f': object()}")).toMatchObject({
      code: 'CODE_OUTPUT_NOT_JSON',
    });
    expect(await extractPythonNode(TRELLO, owner, sandbox)).toMatchObject({ ok: true });
  }, 30_000);
});

describe('custom Python nodes: execution', () => {
  it('creates the Trello card: the host gets the credential slot, then the URL with key and token', async () => {
    const { bridge, received } = recordingBridge(trelloAnswers());
    const result = await runCustomPython(call(TRELLO, { listId: 'L1', name: 'Ship it & go', description: null }), bridge, owner, sandbox);
    expect(result).toMatchObject({ ok: true, output: { id: 'c-1', url: 'https://trello.com/c/abc' } });
    expect(received).toEqual([
      { op: 'credentials.get', args: { slot: 'trello' } },
      {
        op: 'http.fetch',
        args: { url: 'https://api.trello.com/1/cards?idList=L1&name=Ship+it+%26+go&desc=&key=KEY-1&token=TOKEN-2', method: 'POST' },
      },
    ]);
  });

  it('turns a NodeError the node raises into nodeError, with its retryability as written', async () => {
    const { bridge } = recordingBridge(trelloAnswers(429));
    const result = failure(await runCustomPython(call(TRELLO, { listId: 'L1', name: 'n' }), bridge, owner, sandbox));
    expect(result.error).toMatchObject({
      code: 'CODE_RUNTIME_ERROR',
      message: expect.stringContaining('HTTP_RETRYABLE_STATUS: Trello answered 429'),
    });
    expect(result.error.stack).toMatch(/line \d+, in execute/);
    expect(result.nodeError).toEqual({ code: 'HTTP_RETRYABLE_STATUS', message: 'Trello answered 429' });
    const detailed = nodeWith("raise NodeError('QUOTA', 'over quota', details={'left': 0}, retryable=True)");
    expect(failure(await runCustomPython(call(detailed), bridge, owner, sandbox)).nodeError).toEqual({
      code: 'QUOTA',
      message: 'over quota',
      details: { left: 0 },
      retryable: true,
    });
  });

  it("hands a bridge refusal to Python as a NodeError it can catch, and fails the node with it when it doesn't", async () => {
    const refuse = () => {
      throw new NodeError('MISSING_CREDENTIAL', 'no credential in slot trello');
    };
    const caught = nodeWith(
      [
        'try:',
        "    await context.credentials.get('trello')",
        'except NodeError as error:',
        "    return {'code': error.code, 'message': error.message, 'retryable': error.retryable}",
      ].join('\n'),
    );
    expect(await runCustomPython(call(caught), recordingBridge({ 'credentials.get': refuse }).bridge, owner, sandbox)).toMatchObject({
      ok: true,
      output: { code: 'MISSING_CREDENTIAL', message: 'no credential in slot trello', retryable: false },
    });
    const uncaught = failure(
      await runCustomPython(
        call(TRELLO, { listId: 'L', name: 'n' }),
        recordingBridge({ 'credentials.get': refuse }).bridge,
        owner,
        sandbox,
      ),
    );
    expect(uncaught.nodeError).toEqual({ code: 'MISSING_CREDENTIAL', message: 'no credential in slot trello', retryable: false });
    // Anything but a NodeError is the host's own failure: its message and stack stay on the host.
    const broken = () => {
      throw new Error('connection string postgres://secret@db');
    };
    const internal = failure(
      await runCustomPython(
        call(TRELLO, { listId: 'L', name: 'n' }),
        recordingBridge({ 'credentials.get': broken }).bridge,
        owner,
        sandbox,
      ),
    );
    expect(internal.nodeError).toMatchObject({ code: 'NODE_INTERNAL', retryable: true });
    expect(JSON.stringify(internal)).not.toContain('postgres://');
  });

  it('gives the context: meta, slots, json bodies and headers, knowledge, files, logs and progress in order', async () => {
    const body = [
      "print('started', context.run_id)",
      "context.log.info('fetching', page=1)",
      "context.progress('half', fraction=0.5)",
      "res = await context.http.fetch('https://api.example.com/x?a=1', method='PUT', json={'k': [1, 2]}, headers={'X-Id': '7'}, params={'b': 'c d'}, credential='trello', timeout_ms=900)",
      "hits = await context.knowledge.search('kb-1', 'what', top_k=3, source_ids=('s1',))",
      "text = await context.files.read('f-1')",
      "context.log.warn('done')",
      "return {'meta': [context.run_id, context.node_id, context.attempt, context.idempotency_key],",
      "        'has': [context.credentials.has('trello'), context.credentials.has('other')],",
      "        'status': [res.status, res.ok, res.status_text, res.url], 'type': res.headers['content-type'], 'json': res.json(),",
      "        'hits': hits, 'text': text}",
    ].join('\n');
    const { bridge, received } = recordingBridge({
      log: () => null,
      progress: () => null,
      'http.fetch': () => ({
        status: 201,
        statusText: 'Created',
        url: 'https://api.example.com/x',
        headers: { 'Content-Type': 'text/json' },
        body: '{"v": true}',
      }),
      'knowledge.search': () => [{ text: 'hit', score: 0.9 }],
      'files.read': () => ({ name: 'a.txt', text: 'hello' }),
    });
    const result = await runCustomPython(call(nodeWith(body)), bridge, owner, sandbox);
    expect(result).toMatchObject({
      ok: true,
      output: {
        meta: ['run-1', 'card', 2, 'run-1:card'],
        has: [true, false],
        status: [201, true, 'Created', 'https://api.example.com/x'],
        type: 'text/json',
        json: { v: true },
        hits: [{ text: 'hit', score: 0.9 }],
        text: { name: 'a.txt', text: 'hello' },
      },
    });
    expect(result.logs.map(({ level, message }) => ({ level, message }))).toEqual([{ level: 'log', message: 'started run-1' }]);
    expect(received).toEqual([
      { op: 'log', args: { level: 'info', message: 'fetching', data: { page: 1 } } },
      { op: 'progress', args: { message: 'half', fraction: 0.5 } },
      {
        op: 'http.fetch',
        args: {
          url: 'https://api.example.com/x?a=1&b=c+d',
          method: 'PUT',
          headers: { 'X-Id': '7', 'content-type': 'application/json' },
          body: '{"k": [1, 2]}',
          credential: 'trello',
          timeoutMs: 900,
        },
      },
      { op: 'knowledge.search', args: { knowledgeBaseId: 'kb-1', query: 'what', topK: 3, sourceIds: ['s1'] } },
      { op: 'files.read', args: { fileId: 'f-1' } },
      { op: 'log', args: { level: 'warn', message: 'done' } },
    ]);
  });

  it("answers concurrent calls of one owner from each call's own bridge", async () => {
    const source = nodeWith("return [input['i'], await context.files.read(str(input['i']))]");
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => {
        const bridge = async (_op: BridgeOp, args: unknown) => {
          await new Promise((resolve) => setTimeout(resolve, 20 * (4 - i)));
          return `call ${i} read ${(args as { fileId: string }).fileId}`;
        };
        return runCustomPython({ ...call(source), input: { i } }, bridge, owner, sandbox);
      }),
    );
    expect(results.map((r) => (r.ok ? r.output : r.error.code))).toEqual(Array.from({ length: 4 }, (_, i) => [i, `call ${i} read ${i}`]));
  });

  it('fails clearly on an await of anything but the context, a non-async execute, and output that is not JSON', async () => {
    const bridge = recordingBridge({}).bridge;
    const awaitSleep = await runCustomPython(
      call(nodeWith('import types\nawait types.coroutine(lambda: (yield 1))()')),
      bridge,
      owner,
      sandbox,
    );
    expect(failure(awaitSleep).error.message).toMatch(/RuntimeError: execute awaited something other than a context call/);
    const plain = 'from loom import Node\nclass P(Node):\n    def execute(self, input, config, context):\n        return 1';
    expect(failure(await runCustomPython(call(plain), bridge, owner, sandbox)).error.message).toMatch(
      /TypeError: execute must be declared with async def/,
    );
    expect(failure(await runCustomPython(call(nodeWith('return {1, 2}')), bridge, owner, sandbox)).error.code).toBe('CODE_OUTPUT_NOT_JSON');
    expect(await runCustomPython(call(nodeWith('return [input, config]'), { c: 1 }, { i: [1] }), bridge, owner, sandbox)).toMatchObject({
      ok: true,
      output: [{ i: [1] }, { c: 1 }],
    });
  });
});
