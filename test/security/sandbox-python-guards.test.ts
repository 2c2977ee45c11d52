// Issue #11, item 3: the Python sandbox's guards must not live in objects user code can rebind, and with every
// Python-level guard undone the worker thread must still hold nothing that reaches the host. The old audit hook
// kept its deny-list in a default argument: rebinding __defaults__ switched it off and gc.get_objects() then
// reached Pyodide's JS API.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PythonSandbox } from '../../nodes/sandbox/python.js';

const CANARY = 'host-secret-canary-5150';
const sandbox = new PythonSandbox({ maxInterpreters: 1, memoryLimitMb: 256, graceMs: 500 });
beforeAll(() => {
  process.env.LOOM_TEST_CANARY = CANARY;
  return sandbox.warm();
}, 120_000);
afterAll(() => sandbox.shutdown());
const owner = { owner: 'tenant-a' };

// Undoes what Python can undo: the import guard, the blocked entries in sys.modules.
const UNDO_GUARDS = String.raw`
import sys
for n in [n for n in sys.modules if n.split('.')[0] in ('pyodide', '_pyodide', '_pyodide_core', 'asyncio', 'js', 'pyodide_js', 'socket', '_socket', 'select', 'selectors')]:
    del sys.modules[n]
sys.meta_path[:] = [f for f in sys.meta_path if 'Loom' not in repr(f)]
`;

describe('Python sandbox guards', () => {
  it('has no audit hook whose deny-list Python can rebind: the heap stays closed', async () => {
    const attack = [
      'import sys, gc, types',
      'rebound = []',
      // Every function any module or __main__ holds whose defaults, closure or code mention the denied events.
      'for module in list(sys.modules.values()):',
      '    for value in list(vars(module).values()) if module else []:',
      '        if isinstance(value, types.FunctionType):',
      '            if any(isinstance(d, frozenset) and "gc.get_objects" in d for d in (value.__defaults__ or ())):',
      '                value.__defaults__ = tuple(frozenset() if isinstance(d, frozenset) else d for d in value.__defaults__)',
      '                rebound.append(value.__name__)',
      '            for cell in value.__closure__ or ():',
      '                if isinstance(cell.cell_contents, frozenset) and "gc.get_objects" in cell.cell_contents:',
      '                    cell.cell_contents = frozenset()',
      '                    rebound.append(value.__name__)',
      'try:',
      '    return {"rebound": rebound, "objects": len(gc.get_objects())}',
      'except BaseException as error:',
      '    return {"rebound": rebound, "refused": str(error)}',
    ].join('\n');
    const result = await sandbox.run({ code: attack, input: {} }, owner);
    expect(result).toMatchObject({ ok: true, output: { rebound: [], refused: expect.stringContaining('gc.get_objects is not allowed') } });
    // Nor can another hook be added to watch what follows (CPython drops it silently), or a trace function be
    // handed every frame.
    const watch =
      'import sys\nseen = []\nsys.addaudithook(lambda event, args: seen.append(event))\nopen("/tmp/x", "w").close()\nreturn seen';
    expect(await sandbox.run({ code: watch, input: {} }, owner)).toMatchObject({ ok: true, output: [] });
    for (const code of ['import sys\nsys.settrace(lambda *a: None)', 'import sys\nsys.setprofile(lambda *a: None)']) {
      expect(await sandbox.run({ code, input: {} }, owner), code).toMatchObject({
        ok: false,
        error: { message: expect.stringContaining('is not allowed') },
      });
    }
  }, 60_000);

  it('with the Python guards undone, reaches no JS API, no code generation, no package loading and no network', async () => {
    const server = net.createServer((socket) => socket.destroy());
    let connections = 0;
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const attack =
        UNDO_GUARDS +
        String.raw`
out = {}
def attempt(name, action):
    try:
        out[name] = repr(action())[:120]
    except BaseException as error:
        out[name] = 'refused ' + type(error).__name__
attempt('import js', lambda: __import__('js').process)
attempt('import pyodide_js', lambda: __import__('pyodide_js').loadPackage)
attempt('run_js', lambda: __import__('pyodide.code', fromlist=['run_js']).run_js('typeof process'))
import _pyodide_core
proxy = _pyodide_core.create_proxy(lambda: 1)
attempt('Function constructor', lambda: proxy.bind.constructor('return typeof process')())
attempt('loadPackage by name', lambda: __import__('pyodide_js').loadPackage('micropip'))
attempt('socket', lambda: __import__('socket').create_connection(('127.0.0.1', ${port}), timeout=1))
attempt('os.system', lambda: __import__('os').system('true'))
attempt('environment', lambda: dict(__import__('os').environ))
return out
`;
      const result = await sandbox.run({ code: attack, input: {}, timeoutMs: 5_000 }, owner);
      expect(result.ok).toBe(true);
      const out = (result.ok ? result.output : {}) as Record<string, string>;
      for (const name of [
        'import js',
        'import pyodide_js',
        'run_js',
        'Function constructor',
        'loadPackage by name',
        'socket',
        'os.system',
      ]) {
        expect(out[name], name).toMatch(/^refused /);
      }
      // The thread's environment is Pyodide's own, never the host's.
      expect(out['environment']).not.toContain(CANARY);
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  }, 60_000);
});
