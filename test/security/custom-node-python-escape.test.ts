// Issue #17: a custom Python node is hostile code with one door, the bridge. Everything it can reach (its frames, the
// `loom` module's internals, the bridge function Pyodide hands it, the JS prototypes behind that function) must lead
// only to the same host bridge function, with requests the host validates; it must not answer a bridge call itself,
// keep a bridge past its call, reach the JS realm, the host's files, processes, network or environment, nor carry
// anything into the next call or to another owner. Exhausting time (also while a bridge call waits), memory or the
// bridge ends that call only.
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeOp, CustomNodeCall } from '../../nodes/custom/protocol.js';
import { CUSTOM_PYTHON_LIMITS, runCustomPython } from '../../nodes/sandbox/custom-python.js';
import { PythonSandbox } from '../../nodes/sandbox/python.js';
import { NodeError } from '../../nodes/sdk/errors.js';
import { A, B, SECRET, ok } from '../support/tenants.js';

const TRELLO = readFileSync(new URL('../fixtures/custom-nodes/trello.py', import.meta.url), 'utf8');
const CANARY = 'host-secret-canary-1717';
const sandbox = new PythonSandbox({ maxInterpreters: 2, memoryLimitMb: 256, graceMs: 500 });
beforeAll(() => {
  process.env.LOOM_TEST_CANARY = CANARY;
  return sandbox.warm();
}, 120_000);
afterAll(() => sandbox.shutdown());

const meta = { runId: 'run-1', nodeId: 'n', attempt: 1, idempotencyKey: 'run-1:n', attachedSlots: ['trello'] };
const call = (source: string, timeoutMs = 5_000, config: Record<string, unknown> = {}): CustomNodeCall => ({
  source,
  input: {},
  config,
  meta,
  timeoutMs,
});

/** The host's bridge, as far as these tests need one: it records every request and echoes it back. */
function hostBridge(answer: (op: BridgeOp, args: unknown) => unknown = (op, args) => ({ op, args })) {
  const received: { op: BridgeOp; args: unknown }[] = [];
  const bridge = async (op: BridgeOp, args: unknown) => {
    received.push({ op, args });
    return answer(op, args);
  };
  return { bridge, received };
}

/** A module whose one node runs `body` as the body of execute. */
const nodeWith = (body: string) =>
  `from loom import Node, NodeError\nclass Probe(Node):\n    node_type = 'probe'\n    async def execute(self, input, config, context):\n${body
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n')}\n`;

/** Python that defines attempt(name, action), recording a value or 'refused <error type>' in `out`. */
const ATTEMPT = [
  'out = {}',
  'def attempt(name, action):',
  '    try:',
  '        out[name] = repr(action())[:200]',
  '    except BaseException as error:',
  "        out[name] = 'refused ' + type(error).__name__ + ': ' + str(error)[:160]",
].join('\n');

const trelloBridge = (token: string) =>
  hostBridge((op) =>
    op === 'credentials.get'
      ? { type: 'trelloApi', values: { apiKey: 'KEY', token } }
      : { status: 200, statusText: 'OK', url: 'u', headers: {}, body: '{"id": "c", "shortUrl": "s"}' },
  );
const runTrello = async (owner: { owner: string }, token = SECRET) => {
  const { bridge, received } = trelloBridge(token);
  const result = await runCustomPython(call(TRELLO, 5_000, { listId: 'L', name: 'n' }), bridge, owner, sandbox);
  return { result, received };
};
const expectTrelloWorks = async (owner: { owner: string }) => {
  const { result, received } = await runTrello(owner);
  expect(result).toMatchObject({ ok: true, output: { id: 'c', url: 's' } });
  expect(received.map((r) => r.op)).toEqual(['credentials.get', 'http.fetch']);
  expect((received[1]?.args as { url: string }).url).toBe(`https://api.trello.com/1/cards?idList=L&name=n&desc=&key=KEY&token=${SECRET}`);
};

describe('custom Python node escapes', () => {
  it('reaches only the host bridge through every bridge function it can find (context, loom internals, frames)', async () => {
    const attack = nodeWith(
      [
        'import sys, loom',
        ATTEMPT,
        // Every JS function proxy in reach: the context's, and whatever the frames above execute hold.
        'found = [context._bridge._send]',
        'frame = sys._getframe()',
        'while frame is not None:',
        '    for value in list(frame.f_locals.values()):',
        "        if type(value).__name__.startswith('Js') and callable(value) and not any(value is f for f in found):",
        '            found.append(value)',
        '    frame = frame.f_back',
        "out['functions'] = len(found)",
        'for i, send in enumerate(found):',
        '    attempt(f"forged {i}", lambda: send("credentials.get", \'{"slot": "not-attached"}\'))',
        '    attempt(f"forged call {i}", lambda: send.call(None, "http.fetch", \'{"url": "http://169.254.169.254/"}\'))',
        '    attempt(f"unknown op {i}", lambda: send("eval", "{}"))',
        '    attempt(f"not strings {i}", lambda: send("log", {"level": "info"}))',
        '    attempt(f"Function {i}", lambda: send.constructor("return process")())',
        '    attempt(f"bind Function {i}", lambda: send.bind.constructor("return process")())',
        '    attempt(f"proto Function {i}", lambda: getattr(send, "__proto__").constructor("return process")())',
        // The loom module is this call\'s own: replacing its bridge class changes what this node sees, no more.
        // The heap walk that would find every object (the runner's among them) stays refused.
        "attempt('gc.get_objects', lambda: len(__import__('gc').get_objects()))",
        "attempt('gc.get_referrers', lambda: __import__('gc').get_referrers(send))",
        "loom._Bridge.call = lambda self, op, args: {'status': 200, 'body': 'forged by the guest'}",
        "attempt('patched sdk', lambda: context.credentials.get('trello')._value)",
        'return out',
      ].join('\n'),
    );
    const { bridge, received } = hostBridge();
    const out = ok(await runCustomPython(call(attack), bridge, A, sandbox)) as Record<string, string>;
    // Only the context's function exists (the runner's frames hold the same one).
    expect(out['functions']).toBe(1);
    expect(out['forged 0']).toContain('{"ok":{"op":"credentials.get","args":{"slot":"not-attached"}}}');
    expect(out['unknown op 0']).toMatch(/CODE_INVALID_REQUEST.*no such context operation/);
    expect(out['not strings 0']).toMatch(/CODE_INVALID_REQUEST.*bridge requests are strings/);
    for (const name of ['Function 0', 'bind Function 0', 'proto Function 0']) expect(out[name], name).toMatch(/^refused /);
    for (const name of ['gc.get_objects', 'gc.get_referrers']) expect(out[name], name).toMatch(/^refused .*is not allowed in the sandbox/);
    // Forged requests arrived as what they are, at the one host function that validates them; nothing else did.
    expect(received).toEqual([
      { op: 'credentials.get', args: { slot: 'not-attached' } },
      { op: 'http.fetch', args: { url: 'http://169.254.169.254/' } },
    ]);
    expect(out['patched sdk']).toContain('forged by the guest');
    await expectTrelloWorks(A);
  }, 60_000);

  it('cannot answer a bridge call itself: polluted JS prototypes do not change what the host sends or receives', async () => {
    // Getters on Object.prototype and Array.prototype for every name the thread reads of a message: the thread reads
    // own properties of structured-clone copies only, so the guest's call still gets the host's answer.
    const attack = nodeWith(
      [
        ATTEMPT,
        "__import__('json')._default_decoder.mark = 'polluted'",
        'send = context._bridge._send',
        "object_proto = getattr(getattr(send, '__proto__'), '__proto__')",
        "for name in ('callId', 'seq', 'answer', 'message', 'op', 'args', 'ok', 'error', 'interrupted', 'limits', 'maxCalls', 'ops'):",
        "    attempt('pollute ' + name, lambda name=name: object_proto.__defineGetter__(name, lambda *a: 'forged'))",
        "answer = await context.http.fetch('https://api.example.com/real')",
        "return {'body': answer.text, 'polluted': [k for k, v in out.items() if not v.startswith('refused')]}",
      ].join('\n'),
    );
    const { bridge, received } = hostBridge(() => ({ status: 200, statusText: 'OK', url: 'u', headers: {}, body: 'from the host' }));
    const result = await runCustomPython(call(attack), bridge, A, sandbox);
    expect(result).toMatchObject({ ok: true, output: { body: 'from the host' } });
    expect(received).toEqual([{ op: 'http.fetch', args: { url: 'https://api.example.com/real', method: 'GET' } }]);
    expect((result.ok ? result.output : {}) as { polluted: string[] }).toHaveProperty('polluted', expect.arrayContaining(['pollute seq']));
    // The host's realm is another one: its prototypes are untouched.
    expect(({} as Record<string, unknown>)['answer']).toBeUndefined();
    // The interpreter whose prototypes changed was retired: the mark it left on a library object is gone with it.
    expect(
      ok(
        await runCustomPython(
          call(nodeWith("import json\nreturn getattr(json._default_decoder, 'mark', None)")),
          hostBridge().bridge,
          A,
          sandbox,
        ),
      ),
    ).toBeNull();
    await expectTrelloWorks(A);
  }, 60_000);

  it('keeps the interpreter of a call that leaves the JS realm alone (the check above is no blanket retirement)', async () => {
    const mark = nodeWith("import json\njson._default_decoder.mark = 'kept'\nawait context.files.read('f')\nreturn 1");
    ok(await runCustomPython(call(mark), hostBridge().bridge, A, sandbox));
    const read = nodeWith("import json\nreturn getattr(json._default_decoder, 'mark', None)");
    expect(ok(await runCustomPython(call(read), hostBridge().bridge, A, sandbox))).toBe('kept');
  }, 30_000);

  it('keeps no bridge past its call: a function stashed for the next call is refused there', async () => {
    // An instance attribute of a long-lived library object survives the reset (python-guest.mjs says so).
    const stash = nodeWith("import json\njson._default_decoder.stash = context._bridge._send\nreturn 'stashed'");
    expect(ok(await runCustomPython(call(stash), hostBridge().bridge, A, sandbox))).toBe('stashed');
    const use = nodeWith(
      [
        'import json',
        ATTEMPT,
        "attempt('old', lambda: json._default_decoder.stash('credentials.get', '{\"slot\": \"trello\"}'))",
        'return out',
      ].join('\n'),
    );
    const { bridge, received } = hostBridge();
    const out = ok(await runCustomPython(call(use), bridge, A, sandbox)) as Record<string, string>;
    expect(out['old']).toMatch(/CODE_INVALID_REQUEST.*call that has ended/);
    expect(received).toEqual([]);
  }, 60_000);

  it('reaches no JS module, socket, process, host file or host environment', async () => {
    const server = net.createServer((socket) => socket.destroy());
    let connections = 0;
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const attack = nodeWith(
        [
          ATTEMPT,
          "attempt('import js', lambda: __import__('js').process)",
          "attempt('pyodide_js', lambda: __import__('pyodide_js').loadPackage)",
          `attempt('socket', lambda: __import__('socket').create_connection(('127.0.0.1', ${port}), timeout=1))`,
          `attempt('urllib', lambda: __import__('urllib.request', fromlist=['urlopen']).urlopen('http://127.0.0.1:${port}/', timeout=1))`,
          "attempt('subprocess', lambda: __import__('subprocess').run(['true']))",
          "attempt('os.system', lambda: __import__('os').system('true'))",
          "attempt('passwd', lambda: open('/etc/passwd').read())",
          "attempt('environment', lambda: dict(__import__('os').environ))",
          'return out',
        ].join('\n'),
      );
      const out = ok(await runCustomPython(call(attack), hostBridge().bridge, A, sandbox)) as Record<string, string>;
      for (const name of ['import js', 'pyodide_js', 'socket', 'urllib', 'subprocess', 'os.system', 'passwd'])
        expect(out[name], name).toMatch(/^refused /);
      expect(out['environment']).not.toContain(CANARY);
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  }, 60_000);

  it('times out an infinite loop, and a bridge call that never answers; a late answer reaches nobody', async () => {
    const loop = await runCustomPython(call(nodeWith('while True: pass'), 400), hostBridge().bridge, A, sandbox);
    expect(loop).toMatchObject({ ok: false, error: { code: 'CODE_TIMEOUT' } });
    expect(loop.durationMs).toBeLessThan(1_500);
    await expectTrelloWorks(A);

    // The host's bridge answers after the call's limit: the thread stops waiting at the limit and the interpreter stays.
    let late: ((value: unknown) => void) | undefined;
    const slow = hostBridge(() => new Promise((resolve) => (late = resolve)));
    const waiting = await runCustomPython(call(nodeWith("return (await context.files.read('f')) or 'none'"), 400), slow.bridge, A, sandbox);
    expect(waiting).toMatchObject({ ok: false, error: { code: 'CODE_TIMEOUT' } });
    expect(waiting.durationMs).toBeLessThan(1_500);
    late?.('stale answer');
    const fresh = hostBridge(() => 'fresh answer');
    expect(await runCustomPython(call(nodeWith("return await context.files.read('f')")), fresh.bridge, A, sandbox)).toMatchObject({
      ok: true,
      output: 'fresh answer',
    });

    // Swallowing the interrupt around bridge waits ends the thread after the grace period; a fresh one serves next.
    const stubborn = nodeWith(
      ['while True:', '    try:', "        await context.files.read('f')", '    except BaseException:', '        pass'].join('\n'),
    );
    const never = hostBridge(() => new Promise(() => undefined));
    const swallowed = await runCustomPython(call(stubborn, 300), never.bridge, A, sandbox);
    expect(swallowed).toMatchObject({ ok: false, error: { code: 'CODE_TIMEOUT' } });
    expect(swallowed.durationMs).toBeLessThan(2_500);
    // Past its limit the call reached the host's bridge no more: only its first request did.
    expect(never.received).toHaveLength(1);
    await expectTrelloWorks(A);
  }, 60_000);

  it('cancels a call waiting on the bridge through the AbortSignal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const result = await runCustomPython(
      call(nodeWith("return await context.files.read('f')"), 10_000),
      hostBridge(() => new Promise(() => undefined)).bridge,
      { ...A, signal: controller.signal },
      sandbox,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'CODE_CANCELLED' } });
    expect(result.durationMs).toBeLessThan(1_500);
    await expectTrelloWorks(A);
  }, 30_000);

  it('stops a memory bomb with CODE_MEMORY_LIMIT, and the next call works', async () => {
    const bomb = await runCustomPython(
      call(nodeWith("a = []\nwhile True: a.append(' ' * 10**7)"), 20_000),
      hostBridge().bridge,
      A,
      sandbox,
    );
    expect(bomb).toMatchObject({ ok: false, error: { code: 'CODE_MEMORY_LIMIT' } });
    // A huge answer is refused on the host before it is posted, and the next call works.
    const huge = hostBridge(() => 'x'.repeat(CUSTOM_PYTHON_LIMITS.maxAnswerChars + 1));
    const refused = await runCustomPython(call(nodeWith("return await context.files.read('f')")), huge.bridge, A, sandbox);
    expect(refused).toMatchObject({ ok: false, nodeError: { code: 'HTTP_RESPONSE_TOO_LARGE' } });
    await expectTrelloWorks(A);
  }, 60_000);

  it('does not let a patched loom module, builtins or library reach the next call', async () => {
    const patch = nodeWith(
      [
        'import builtins, json, loom, sys, urllib.parse',
        "loom.NodeError = type('Fake', (Exception,), {})",
        "loom._Bridge.call = lambda self, op, args: {'values': {'apiKey': 'STOLEN', 'token': 'STOLEN'}}",
        'loom.Node.__init_subclass__ = classmethod(lambda cls, **k: None)',
        "urllib.parse.urlencode = lambda *a, **k: 'key=STOLEN'",
        "json.JSONEncoder.encode = lambda self, o: '{}'",
        'builtins.print = lambda *a, **k: None',
        "sys.modules['loom'] = type(sys)('loom')",
        "return 'patched'",
      ].join('\n'),
    );
    // The patched encoder spoils this call's own output, as it may.
    expect(await runCustomPython(call(patch), hostBridge().bridge, A, sandbox)).toMatchObject({ ok: true, output: {} });
    await expectTrelloWorks(A);
    const printed = await runCustomPython(call(nodeWith("print('still printing')\nreturn 1")), hostBridge().bridge, A, sandbox);
    expect(printed.logs.map((l) => l.message)).toEqual(['still printing']);
  }, 60_000);

  it("never shares an interpreter between owners: B's secret and B's bridge stay out of A's reach", async () => {
    const plant = nodeWith(
      [
        'import json, builtins, sys',
        'json._default_decoder.loot = []',
        'json._default_decoder.bridge = context._bridge._send',
        "sys.modules['json'].__dict__['loot'] = json._default_decoder.loot",
        "return 'planted'",
      ].join('\n'),
    );
    expect(ok(await runCustomPython(call(plant), hostBridge().bridge, A, sandbox))).toBe('planted');
    const victim = await runTrello(B);
    expect(victim.result).toMatchObject({ ok: true });
    const harvest = nodeWith(
      [
        'import json',
        'seen = getattr(json._default_decoder, "loot", None)',
        'bridge_state = getattr(json._default_decoder, "bridge", None)',
        'names = sorted(vars(json._default_decoder))',
        'return repr([seen, names, bridge_state is not None])',
      ].join('\n'),
    );
    // A's plant is still there (the same interpreter), and it caught nothing of B's call.
    const found = String(ok(await runCustomPython(call(harvest), hostBridge().bridge, A, sandbox)));
    expect(found).toMatch(/^\[\[\], \[.*'bridge'.*'loot'.*\], True\]$/);
    expect(found).not.toContain(SECRET);
    // B's interpreter never saw A's plant.
    const inB = String(ok(await runCustomPython(call(harvest), hostBridge().bridge, B, sandbox)));
    expect(inB).toMatch(/^\[None, \[.*\], False\]$/);
    expect(inB).not.toContain('loot');
  }, 60_000);

  it('bounds a flood of log calls, too many context calls and oversized arguments', async () => {
    // Time limits generous enough for a loaded machine: what is checked is the bound on calls, not their speed.
    const flood = nodeWith("for i in range(100000):\n    context.log.info('line', i=i)\nreturn 'flooded'");
    const logs = hostBridge(() => null);
    const flooded = await runCustomPython(call(flood, 40_000), logs.bridge, A, sandbox);
    expect(flooded).toMatchObject({ ok: true, output: 'flooded' });
    expect(logs.received).toHaveLength(CUSTOM_PYTHON_LIMITS.bridge.maxLogCalls);
    expect(flooded.logs.at(-1)?.message).toMatch(/^99800 context\.log and context\.progress calls dropped \(past 200 calls/);

    // print() floods stop in the thread: the first lines cross (each cut to its bound), the rest are counted.
    const flood2 = nodeWith("print('x' * 10000)\nfor i in range(50000):\n    print(i)\nreturn 'printed'");
    const prints = await runCustomPython(call(flood2, 40_000), logs.bridge, A, sandbox);
    expect(prints).toMatchObject({ ok: true, output: 'printed' });
    expect(prints.logs).toHaveLength(201);
    expect(prints.logs[0]?.message).toHaveLength(4_001);
    expect(prints.logs.at(-1)?.message).toBe('49801 more log lines dropped (limit 200)');

    const many = nodeWith(
      [
        'for i in range(5000):',
        '    try:',
        "        await context.files.read('f')",
        '    except NodeError as error:',
        '        return [i, error.code, error.message]',
      ].join('\n'),
    );
    const counted = hostBridge(() => 'x');
    const tooMany = await runCustomPython(call(many, 20_000), counted.bridge, A, sandbox);
    expect(tooMany).toMatchObject({
      ok: true,
      output: [CUSTOM_PYTHON_LIMITS.bridge.maxCalls, 'CODE_INVALID_REQUEST', expect.stringContaining('context calls')],
    });
    expect(counted.received).toHaveLength(CUSTOM_PYTHON_LIMITS.bridge.maxCalls);

    // Nesting that would make the host's validation recurse deeply is refused before it is parsed.
    const deep = nodeWith(
      [
        ATTEMPT,
        'send = context._bridge._send',
        "attempt('deep', lambda: send('files.read', '{\"fileId\": ' + '[' * 10000 + ']' * 10000 + '}'))",
        "attempt('deep string', lambda: send('files.read', '{\"fileId\": \"' + '[' * 10000 + '\"}'))",
        'return out',
      ].join('\n'),
    );
    const deepArgs = hostBridge(() => 'read');
    const deepOut = ok(await runCustomPython(call(deep), deepArgs.bridge, A, sandbox)) as Record<string, string>;
    expect(deepOut['deep']).toMatch(/CODE_INVALID_REQUEST.*nest deeper than 64/);
    expect(deepOut['deep string']).toContain('"ok":"read"');
    expect(deepArgs.received).toHaveLength(1);

    const bigLog = nodeWith("context.log.info('x' * (1024 * 1024))\ncontext.log.info('small')\nreturn 1");
    const bigLogs = hostBridge(() => null);
    const logged = await runCustomPython(call(bigLog), bigLogs.bridge, A, sandbox);
    expect(bigLogs.received).toEqual([{ op: 'log', args: { level: 'info', message: 'small' } }]);
    expect(logged.logs.at(-1)?.message).toMatch(/^1 context\.log and context\.progress calls dropped/);

    const big = nodeWith("await context.http.fetch('https://api.example.com', method='POST', body='x' * (3 * 1024 * 1024))");
    const bigArgs = hostBridge();
    const refused = await runCustomPython(call(big), bigArgs.bridge, A, sandbox);
    expect(refused).toMatchObject({ ok: false, nodeError: { code: 'CODE_INVALID_REQUEST', message: expect.stringContaining('exceed') } });
    expect(bigArgs.received).toEqual([]);
    await expectTrelloWorks(A);
  }, 180_000);

  it('keeps the host bridge’s own failures on the host: only a NodeError’s code and message cross', async () => {
    const leak = nodeWith("try:\n    await context.files.read('f')\nexcept NodeError as error:\n    return [error.code, error.message]");
    const failing = hostBridge(() => {
      throw new Error(`database at postgres://${CANARY}`);
    });
    const out = ok(await runCustomPython(call(leak), failing.bridge, A, sandbox));
    expect(JSON.stringify(out)).not.toContain(CANARY);
    expect(out).toEqual(['NODE_INTERNAL', 'The node failed unexpectedly']);
    const refusal = hostBridge(() => {
      throw new NodeError('FILE_NOT_FOUND', 'no such file');
    });
    expect(ok(await runCustomPython(call(leak), refusal.bridge, A, sandbox))).toEqual(['FILE_NOT_FOUND', 'no such file']);
  }, 30_000);
});
