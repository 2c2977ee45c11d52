// Worker thread holding one warm Pyodide (CPython in WebAssembly) for the `code.python` sandbox. Plain JavaScript
// so the thread needs no TypeScript loader. The host posts { id, code, inputJson } and gets back one JSON envelope
// per call; it interrupts a long call through the shared interrupt buffer and kills the thread if that fails.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { GUARD_PY, RUNNER_PY } from './python-guest.mjs';

const port = parentPort;
const { indexURL, interruptBuffer, memoryLimitMb } = workerData;
const interrupt = new Int32Array(interruptBuffer);

// WebAssembly memory lives outside V8's heap, so resourceLimits cannot cap it. Emscripten grows it through
// Memory.prototype.grow; refusing past the cap makes Python's allocator fail with a clean MemoryError.
const wasmPage = 65_536;
const { Memory } = globalThis.WebAssembly;
const grow = Memory.prototype.grow;
Memory.prototype.grow = function cappedGrow(pages) {
  if (this.buffer.byteLength + pages * wasmPage > memoryLimitMb * 1024 * 1024) throw new RangeError('sandbox memory limit');
  return grow.call(this, pages);
};

const { loadPyodide } = await import(pathToFileURL(`${indexURL}pyodide.mjs`).href);
let emit = () => {};
const pyodide = await loadPyodide({
  indexURL,
  // `import js` would otherwise be this thread's globalThis (process, require, fetch): give it nothing.
  jsglobals: Object.freeze(Object.create(null)),
  env: { HOME: '/home/pyodide' },
  stdout: (line) => emit('log', line),
  stderr: (line) => emit('error', line),
  stdin: () => null,
});
pyodide.setInterruptBuffer(interrupt);
pyodide.unregisterJsModule('js');
pyodide.unregisterJsModule('pyodide_js');

hardenJsRealm();
const FS = pyodide.FS;
const WRITABLE = ['/tmp', '/home/pyodide'];
lockFileSystem();

pyodide.runPython(GUARD_PY);
pyodide.runPython(RUNNER_PY);
const runCall = pyodide.globals.get('_loom_run');
const resetInterpreter = pyodide.globals.get('_loom_reset');

port.on('message', (call) => {
  const logs = [];
  emit = (level, message) => logs.push({ level, message });
  Atomics.store(interrupt, 0, 0);
  let envelope;
  try {
    freshWritableDirectories();
    envelope = runCall(call.code, call.inputJson, call.maxOutputChars);
  } catch (err) {
    // Python raised outside the user's frame (an interrupt landing in our wrapper), or the runtime broke.
    const fatal = Boolean(err && err.pyodide_fatal_error);
    const text = String(err && err.message ? err.message : err);
    envelope = JSON.stringify(text.includes('KeyboardInterrupt') ? { kind: 'interrupted' } : { kind: 'broken', message: text.slice(-500), fatal });
  }
  try {
    resetInterpreter();
  } catch {
    envelope = JSON.stringify({ kind: 'broken', message: 'the interpreter could not be reset', fatal: true });
  }
  emit = () => {};
  port.postMessage({ id: call.id, envelope, logs });
});
port.postMessage({ ready: true });

// Defence in depth under the Python-level guards: if user code still reaches a JS object (a JsProxy), it must not
// get from there to code generation or to this thread's Node APIs.
function hardenJsRealm() {
  // `anyFunction.constructor('return process')()` is the classic way out of a JS sandbox; cut every such link.
  for (const fn of [function () {}, async function () {}, function* () {}, async function* () {}]) {
    Object.defineProperty(Object.getPrototypeOf(fn), 'constructor', { value: undefined, writable: false, configurable: false });
  }
  for (const name of ['fetch', 'WebSocket', 'XMLHttpRequest', 'EventSource', 'Request', 'Response', 'Headers']) delete globalThis[name];
  // Emscripten implements os.system() with child_process and sockets with net under Node; built-in module objects
  // are per thread, so denying them here leaves the rest of the process untouched.
  const require = createRequire(import.meta.url);
  const denied = ['child_process', 'net', 'tls', 'dgram', 'http', 'https', 'http2', 'fs', 'fs/promises', 'inspector', 'vm', 'cluster', 'worker_threads', 'module'];
  for (const name of denied) {
    const mod = require(`node:${name}`);
    for (const key of Object.keys(mod)) {
      const descriptor = Object.getOwnPropertyDescriptor(mod, key);
      if (typeof mod[key] !== 'function' || !descriptor?.writable) continue;
      mod[key] = function denied() {
        throw new Error(`node:${name} is not available in the sandbox`);
      };
    }
  }
  syncBuiltinESMExports();
  for (const key of ['kill', 'abort', 'dlopen', 'binding', '_linkedBinding', 'chdir', 'setuid', 'setgid']) {
    if (key in process) process[key] = () => { throw new Error(`process.${key} is not available in the sandbox`); };
  }
}

// Everything but /tmp and the home directory is made read-only, and chmod is taken away, so a call cannot plant a
// module in /lib for the next call to import.
function lockFileSystem() {
  for (const dir of WRITABLE) FS.mount(FS.filesystems.MEMFS, {}, dir);
  const skip = new Set([...WRITABLE, '/dev', '/proc']);
  const walk = (path) => {
    if (skip.has(path)) return;
    const { mode } = FS.stat(path);
    FS.chmod(path, mode & ~0o222);
    if (FS.isDir(mode)) for (const entry of FS.readdir(path)) if (entry !== '.' && entry !== '..') walk(path === '/' ? `/${entry}` : `${path}/${entry}`);
  };
  walk('/');
  const refuse = () => { throw new FS.ErrnoError(63); /* EPERM */ };
  // Python's chmod syscalls pass a path or a descriptor; Emscripten itself passes a node when it creates a file.
  const chmod = FS.chmod;
  FS.chmod = (target, ...rest) => (typeof target === 'string' ? refuse() : chmod(target, ...rest));
  FS.fchmod = refuse;
  FS.lchmod = refuse;
}

// One call's files are not visible to the next: fresh, empty MEMFS instances at the writable paths.
function freshWritableDirectories() {
  for (const dir of WRITABLE) {
    FS.unmount(dir);
    FS.mount(FS.filesystems.MEMFS, {}, dir);
  }
  FS.chdir('/home/pyodide');
}
