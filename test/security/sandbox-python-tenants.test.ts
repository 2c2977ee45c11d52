// Issue #11, items 1 and 3: two owners on the Python sandbox. Owner A plants spies everywhere a previous version
// let one call reach the next (the runner's helpers in __main__, the audit hook's defaults, module and class
// attributes, builtins, sys.modules, import machinery, gc, atexit, tracing, streams, files), then owner B runs on
// secret input, then A looks for what its spies caught. B's input and output must be untouched and unseen; the
// same holds between two calls of one owner; and inputs built to exhaust time, memory or the stack leave the
// sandbox serving the next owner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PythonSandbox } from '../../nodes/sandbox/python.js';
import { A, B, SECRET, ok } from '../support/tenants.js';

const sandbox = new PythonSandbox({ maxInterpreters: 2, memoryLimitMb: 256, graceMs: 500 });
beforeAll(() => sandbox.warm(), 120_000);
afterAll(() => sandbox.shutdown());

// Every route tried; each one that could be taken is listed, so the test shows the plant was attempted.
const PLANT = String.raw`
import sys, builtins, json, json.decoder, gc, atexit, threading, importlib, linecache, os, __main__
planted = []
def sink(kind, value, _main=__main__, _sys=sys, _os=os):
    for holder in (_main.__dict__, _sys.__dict__, _os.__dict__):
        holder.setdefault('loot', []).append((kind, repr(value)[:200]))
    try:
        _os.environ['LOOT'] = _os.environ.get('LOOT', '') + repr(value)[:200]
    except BaseException:
        pass
def attempt(name, action):
    try:
        action()
        planted.append(name)
    except BaseException as error:
        planted.append(name + ' refused: ' + type(error).__name__)

real_loads, real_dumps = json.loads, json.dumps
def spy_loads(s, *a, _sink=sink, _real=real_loads, **k):
    _sink('loads', s)
    return _real(s, *a, **k)
def fake_dumps(value, *a, _sink=sink, **k):
    _sink('dumps', value)
    return '"altered"'
# The runner's own helpers, where they used to be.
for name, fake in (('_loads', spy_loads), ('_dumps', fake_dumps), ('_compile_user', None), ('_loom_run', None)):
    if name in vars(__main__) and fake is not None:
        attempt('__main__.' + name, lambda name=name, fake=fake: setattr(__main__, name, fake))
hook = vars(__main__).get('_loom_audit')
if hook is not None:
    attempt('audit hook __defaults__', lambda: setattr(hook, '__defaults__', (frozenset(),)))
# Module, class, instance and function-code routes into json.
attempt('json.loads', lambda: setattr(json, 'loads', spy_loads))
attempt('json.dumps', lambda: setattr(json, 'dumps', fake_dumps))
attempt('json.loads.__code__', lambda: setattr(real_loads, '__code__', (lambda s, *, cls=None, object_hook=None, parse_float=None, parse_int=None, parse_constant=None, object_pairs_hook=None, **kw: __import__('__main__').__dict__.setdefault('loot', []).append(s) or {}).__code__))
attempt('JSONDecoder.decode', lambda: setattr(json.JSONDecoder, 'decode', lambda self, s, *a, _sink=sink, **k: _sink('decode', s) or {}))
attempt('JSONEncoder.encode', lambda: setattr(json.JSONEncoder, 'encode', lambda self, o, _sink=sink: _sink('encode', o) or '"altered"'))
attempt('default decoder instance', lambda: setattr(json._default_decoder, 'decode', lambda s, *a, _sink=sink, **k: _sink('instance', s) or {}))
attempt('json.decoder.scanstring', lambda: setattr(json.decoder, 'scanstring', lambda *a, _sink=sink: _sink('scan', a) or ('', 0)))
# Builtins and the interpreter's tables.
real_exec = builtins.exec
attempt('builtins.exec', lambda: setattr(builtins, 'exec', lambda *a, _sink=sink, _real=real_exec: _sink('exec', a) or _real(*a)))
attempt('builtins.print', lambda: setattr(builtins, 'print', lambda *a, **k: None))
attempt('sys.modules[json]', lambda: sys.modules.__setitem__('json', type(sys)('json')))
class Finder:
    @staticmethod
    def find_spec(name, path=None, target=None, _sink=sink):
        _sink('import', name)
        return None
attempt('sys.meta_path', lambda: sys.meta_path.insert(0, Finder))
attempt('sys.path_hooks', lambda: sys.path_hooks.insert(0, lambda p, _sink=sink: _sink('hook', p) or (_ for _ in ()).throw(ImportError())))
attempt('sys.path_importer_cache', lambda: sys.path_importer_cache.__setitem__('/spy', Finder))
attempt('importlib.invalidate_caches', lambda: setattr(importlib, 'invalidate_caches', lambda: None))
class Stream:
    def write(self, text, _sink=sink):
        _sink('stdout', text)
        return len(text)
    def flush(self):
        pass
attempt('sys.stdout', lambda: setattr(sys, 'stdout', Stream()))
attempt('sys.addaudithook', lambda: sys.addaudithook(lambda event, args, _sink=sink: _sink('audit', (event, args))))
attempt('sys.settrace', lambda: sys.settrace(lambda frame, event, arg, _sink=sink: _sink('trace', frame.f_locals)))
attempt('sys.setprofile', lambda: sys.setprofile(lambda frame, event, arg, _sink=sink: _sink('profile', frame.f_locals)))
attempt('threading.settrace', lambda: threading.settrace(lambda frame, event, arg, _sink=sink: _sink('thread', frame.f_locals)))
attempt('gc.callbacks', lambda: gc.callbacks.append(lambda phase, info, _sink=sink: _sink('gc', [f.f_locals for f in [sys._getframe(1)]])))
attempt('gc.get_objects', lambda: gc.get_objects())
attempt('atexit', lambda: atexit.register(lambda _sink=sink: _sink('atexit', 1)))
attempt('recursion limit', lambda: sys.setrecursionlimit(50))
attempt('file', lambda: open('/tmp/loot', 'w').write('planted'))
return planted
`;

// Everything a spy could have written to, read back.
const HARVEST = String.raw`
import sys, builtins, json, os, atexit, gc, linecache, __main__
found = [vars(__main__).get('loot'), vars(sys).get('loot'), vars(os).get('loot'), os.environ.get('LOOT'),
         [k for k in vars(__main__) if not k.startswith('__')], list(linecache.cache), gc.garbage]
try:
    found.append(open('/tmp/loot').read())
except OSError:
    pass
try:
    atexit._run_exitfuncs()
except BaseException:
    pass
found.append(vars(__main__).get('loot'))
return repr(found)
`;

const VICTIM = 'print("b sees", input["secret"])\nreturn {"echo": input["secret"], "n": len(input["items"])}';
const victimInput = { secret: SECRET, items: [1, 2, 3] };

describe('the Python sandbox with two owners', () => {
  it('keeps none of the runner in reach: __main__ names nothing, the audit hook is no Python object', async () => {
    const names = ok(
      await sandbox.run({ code: 'import __main__\nreturn sorted(k for k in vars(__main__) if not k.startswith("__"))', input: {} }, A),
    );
    expect(names).toEqual([]);
    // The old hook lived in __main__ and kept its deny-list in __defaults__; now nothing of it can be found,
    // and the heap walk that led from there to Pyodide's JS API (loadPackage, FS, _module) stays refused.
    const heap = await sandbox.run({ code: 'import gc\nreturn len(gc.get_objects())', input: {} }, A);
    expect(heap).toMatchObject({
      ok: false,
      error: { code: 'CODE_RUNTIME_ERROR', message: expect.stringContaining('gc.get_objects is not allowed') },
    });
  }, 60_000);

  it("gives owner A no way to read or change owner B's input and output", async () => {
    // A's own output is spoiled by its own plants ("altered"); what matters is what B gets.
    ok(await sandbox.run({ code: PLANT, input: {} }, A));
    const victim = await sandbox.run({ code: VICTIM, input: victimInput }, B);
    expect(victim).toMatchObject({ ok: true, output: { echo: SECRET, n: 3 } });
    expect(victim.logs.map((l) => l.message)).toEqual([`b sees ${SECRET}`]);
    const harvest = ok(await sandbox.run({ code: HARVEST, input: {} }, A));
    expect(String(harvest)).not.toContain(SECRET);
  }, 120_000);

  it("does not let one call's plants reach the next call of the same owner", async () => {
    ok(await sandbox.run({ code: PLANT, input: {} }, A));
    const next = await sandbox.run({ code: VICTIM, input: victimInput }, A);
    expect(next).toMatchObject({ ok: true, output: { echo: SECRET, n: 3 } });
    expect(next.logs.map((l) => l.message)).toEqual([`b sees ${SECRET}`]);
    const harvest = ok(await sandbox.run({ code: HARVEST, input: {} }, A));
    expect(String(harvest)).not.toContain(SECRET);
    // Nothing at all is left: no loot, no names in __main__, only this call's own source in linecache.
    expect(harvest).toBe("[None, None, None, None, [], ['<user-code>'], [], None]");
  }, 120_000);

  it("keeps the runner's frame useless: rewriting its locals changes only the call that did it", async () => {
    const tamper = [
      'import sys',
      'frame = sys._getframe(1)',
      'frame.f_locals["tools"] = None',
      'frame.f_locals["max_output_chars"] = 0',
      'return "tampered"',
    ].join('\n');
    const first = await sandbox.run({ code: tamper, input: {} }, A);
    expect(first.ok).toBe(false);
    expect(await sandbox.run({ code: VICTIM, input: victimInput }, A)).toMatchObject({ ok: true, output: { echo: SECRET } });
  }, 60_000);

  it('survives inputs built to exhaust time, memory and the stack, and serves the next owner', async () => {
    const attacks: [string, string, number?][] = [
      ['while True: pass', 'CODE_TIMEOUT'],
      ['while True:\n    try:\n        while True: pass\n    except BaseException:\n        pass', 'CODE_TIMEOUT'],
      ['a = []\nwhile True: a.append(" " * 10**7)', 'CODE_MEMORY_LIMIT', 20_000],
      ['x = "x" * (2**30)', 'CODE_MEMORY_LIMIT', 20_000],
      ['def f(n):\n    return f(n + 1)\nreturn f(0)', 'CODE_RUNTIME_ERROR'],
      ['import sys\nsys.setrecursionlimit(10**8)\ndef f(n):\n    return f(n + 1)\nreturn f(0)', 'ANY'],
      [
        'return [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
        'ANY',
      ],
      ['x = []\nfor _ in range(100000): x = [x]\nreturn x', 'ANY'],
    ];
    for (const [code, expected, timeoutMs = 1_000] of attacks) {
      const result = await sandbox.run({ code, input: {}, timeoutMs }, A);
      expect(result.ok, code).toBe(false);
      if (!result.ok && expected !== 'ANY') expect(result.error.code, code).toBe(expected);
      expect(await sandbox.run({ code: VICTIM, input: victimInput }, B), code).toMatchObject({ ok: true, output: { echo: SECRET } });
    }
  }, 300_000);
});
