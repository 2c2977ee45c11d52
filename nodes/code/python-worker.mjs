// Worker thread holding one warm Pyodide (CPython in WebAssembly). Plain JavaScript so the thread needs no
// TypeScript loader. Each call runs in a fresh globals dict; print() goes to the call's logs; the host
// interrupts a call that runs too long through a shared interrupt buffer (KeyboardInterrupt in Python).
import { createRequire, syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { loadPyodide } from 'pyodide';

// Emscripten under Node implements os.system() with child_process and sockets with net: this thread gets
// neither. Built-in module objects are per thread, so the rest of the process is untouched.
const require = createRequire(import.meta.url);
function deny(moduleName, what) {
  const mod = require(moduleName);
  for (const key of Object.keys(mod)) {
    const descriptor = Object.getOwnPropertyDescriptor(mod, key);
    if (typeof mod[key] !== 'function' || !descriptor?.writable) continue;
    // A plain function, not an arrow: Node's own modules extend some of these classes when they load.
    mod[key] = function denied() {
      throw new Error(`${what} are not available in the sandbox`);
    };
  }
}
deny('node:child_process', 'child processes');
for (const name of ['node:net', 'node:tls', 'node:dgram', 'node:http', 'node:https', 'node:http2']) deny(name, 'network connections');
syncBuiltinESMExports();

// Pyodide finds its files from a stack trace, which source-map support (tsx) rewrites: give it the folder.
const indexURL = path.dirname(fileURLToPath(import.meta.resolve('pyodide/pyodide.mjs'))) + path.sep;

const interrupt = new Int32Array(workerData.interruptBuffer);
let logs = [];

// `import js` would otherwise reach this thread's globals (process, require): give Python an empty object.
const pyodide = await loadPyodide({
  indexURL,
  jsglobals: Object.freeze(Object.create(null)),
  stdout: (line) => logs.length < 200 && logs.push({ level: 'log', message: line.slice(0, 2000) }),
  stderr: (line) => logs.length < 200 && logs.push({ level: 'error', message: line.slice(0, 2000) }),
});
pyodide.setInterruptBuffer(interrupt);

// Close the doors Python still has to the JS side, the host and package installation. Re-applied after every
// call, because user code can undo it for itself (sys.modules.pop). The boundary that holds even then is the
// JS side above: this thread has no child processes and no network.
const HARDEN = `
import sys as _sys, os as _os, posix as _posix
for _name in ('js', 'pyodide_js', 'pyodide', 'pyodide.code', 'pyodide.ffi', 'pyodide.ffi.wrappers', 'pyodide.http', 'pyodide.webloop',
              '_pyodide', '_pyodide_core', 'micropip', 'socket', '_socket', 'ssl', '_ssl', 'select', 'selectors',
              'ctypes', '_ctypes', 'subprocess', '_posixsubprocess', 'multiprocessing'):
    _sys.modules[_name] = None
for _fn in ('system', 'popen', 'fork', 'forkpty', 'kill', 'killpg', 'posix_spawn', 'posix_spawnp',
            'execv', 'execve', 'execl', 'execle', 'execlp', 'execlpe', 'execvp', 'execvpe',
            'spawnv', 'spawnve', 'spawnl', 'spawnle', 'spawnlp', 'spawnlpe', 'spawnvp', 'spawnvpe'):
    for _module in (_os, _posix):
        if hasattr(_module, _fn):
            delattr(_module, _fn)
`;

const WRAPPER = `
import json as _json
# Captured once: a call that patches the json module cannot reach the next call's input or output.
_loads, _dumps = _json.loads, _json.dumps
_baseline_modules = None

def __loom_run(__loom_code, __loom_input_json):
    global _baseline_modules
    import sys
    if _baseline_modules is None:
        _baseline_modules = dict(sys.modules)
    try:
        scope = {'__builtins__': __builtins__, 'input': _loads(__loom_input_json)}
        body = 'def __loom_main(input):\\n' + ''.join('    ' + line + '\\n' for line in (__loom_code.splitlines() or ['pass']))
        exec(compile(body, 'user_code.py', 'exec'), scope)
        result = scope['__loom_main'](scope['input'])
        return _dumps(result, allow_nan=False)
    finally:
        # Modules a call imported or removed do not outlive it.
        for name in [n for n in sys.modules if n not in _baseline_modules]:
            del sys.modules[name]
        sys.modules.update(_baseline_modules)
`;
pyodide.runPython(HARDEN);
pyodide.runPython(WRAPPER);
const run = pyodide.globals.get('__loom_run');

function classify(err) {
  const text = String(err && err.message ? err.message : err);
  const lines = text.trim().split('\n').filter(Boolean);
  // The exception line, not Pyodide's hints printed after it.
  const last = [...lines].reverse().find((l) => /^[A-Za-z_.]*(Error|Exception|Interrupt|Exit)\b/.test(l)) ?? lines.at(-1) ?? text;
  if (text.includes('KeyboardInterrupt')) return { code: 'CODE_TIMEOUT', message: '' };
  if (text.includes('MemoryError') || /memory access out of bounds|Cannot enlarge memory|Out of memory/i.test(text)) return { code: 'CODE_MEMORY_LIMIT', message: '' };
  if (/SyntaxError|IndentationError/.test(last)) return { code: 'CODE_SYNTAX_ERROR', message: last };
  if (/TypeError: Object of type .* is not JSON serializable|ValueError: Out of range float values/.test(last)) return { code: 'CODE_OUTPUT_NOT_JSON', message: last };
  const line = text.split('\n').reverse().find((l) => l.includes('user_code.py'));
  return { code: 'CODE_RUNTIME_ERROR', message: line ? `${last} (${line.trim().replace(/^File "user_code.py", /, '')})` : last };
}

parentPort.on('message', (call) => {
  logs = [];
  Atomics.store(interrupt, 0, 0);
  try {
    const text = run(call.code, call.inputJson);
    parentPort.postMessage({ id: call.id, ok: true, text, logs });
  } catch (err) {
    const error = classify(err);
    // A fatal error leaves the interpreter unusable, and WebAssembly memory never shrinks after a memory bomb:
    // either way this thread ends and the host starts a fresh one.
    const retire = Boolean(err && err.pyodide_fatal_error) || error.code === 'CODE_MEMORY_LIMIT';
    parentPort.postMessage({ id: call.id, ok: false, error, logs, retire });
    if (retire) process.exit(1);
  }
  try {
    pyodide.runPython(HARDEN);
  } catch {
    process.exit(1);
  }
});
parentPort.postMessage({ ready: true });
