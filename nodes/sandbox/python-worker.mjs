// Worker thread of the Python sandbox (`code.python` and custom Python nodes). Plain JavaScript so the thread needs
// no TypeScript loader. Two roles: `image` boots Pyodide once, runs the runners' definitions and hands back a memory
// snapshot of that interpreter (nothing of any call in it); `interpreter` restores one from that snapshot (much
// faster than a boot), serves the jobs of ONE owner (python.ts decides), and answers { id, envelope, logs }.
// The host interrupts a long call through the shared interrupt buffer and kills the thread if that fails.
import { readFileSync } from 'node:fs';
import { createRequire, builtinModules, syncBuiltinESMExports } from 'node:module';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { GUARD_PY, RUNNER_PY } from './python-guest.mjs';
import { CUSTOM_RUNNER_PY } from './python-custom-guest.mjs';
import { installAuditHook } from './python-audit.mjs';
// Imported before the realm is hardened, so it holds worker_threads' receiveMessageOnPort before it is denied.
import { openBridge } from './python-bridge-client.mjs';
import { watchIntrinsics } from './python-realm.mjs';

const port = parentPort;
const { role, indexURL, interruptBuffer, memoryLimitMb } = workerData;
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
const settings = {
  indexURL,
  // `import js` would otherwise be this thread's globalThis (process, require, fetch): give it nothing.
  jsglobals: Object.freeze(Object.create(null)),
  // No package can be found by name: the lock file lists none (loading by URL or path meets a realm without
  // fetch or fs, below).
  lockFileContents: JSON.stringify({ info: JSON.parse(readFileSync(`${indexURL}pyodide-lock.json`, 'utf8')).info, packages: {} }),
  env: { HOME: '/home/pyodide' },
  stdout: (line) => emit('log', line),
  stderr: (line) => emit('error', line),
  stdin: () => null,
};

if (role === 'image') {
  const pyodide = await loadPyodide({ ...settings, _makeSnapshot: true });
  pyodide.runPython(RUNNER_PY);
  pyodide.runPython(CUSTOM_RUNNER_PY);
  // What the runners import, imported before the image is taken so that no interpreter pays for it.
  pyodide.runPython("for _m in ('ast', 'atexit', 'gc', 'json', 'linecache', 'os', 'types', 'urllib.parse'): __import__(_m)\ndel _m");
  const snapshot = pyodide.makeMemorySnapshot();
  port.postMessage({ snapshot }, [snapshot.buffer]);
} else {
  const snapshot = workerData.snapshot;
  delete workerData.snapshot;
  const pyodide = await loadPyodide({ ...settings, _loadSnapshot: snapshot });
  pyodide.setInterruptBuffer(interrupt);
  pyodide.unregisterJsModule('js');
  pyodide.unregisterJsModule('pyodide_js');
  const FS = pyodide.FS;
  const WRITABLE = ['/tmp', '/home/pyodide'];
  const { mount, unmount } = lockFileSystem(FS, WRITABLE);
  // After the restore, which imports Pyodide's own modules again; before the runner takes its baseline.
  pyodide.runPython(GUARD_PY);
  // The runners' functions and tools, held here only: __main__ keeps no name for them (python-guest.mjs). The
  // custom runner first, so that the baseline the reset restores includes what it set up.
  const custom = pyodide.globals.get('_loom_make_custom_runner')();
  const [runCustom, customTools, customFunctions] = [custom.get(0), custom.get(1), custom.get(2)];
  custom.destroy();
  const made = pyodide.globals.get('_loom_make_runner')(customFunctions);
  customFunctions.destroy();
  const [runCall, tools, resetInterpreter] = [made.get(0), made.get(1), made.get(2)];
  made.destroy();
  const bridges = openBridge(workerData.bridgePort, new Int32Array(workerData.bridgeSignalBuffer), interrupt);
  const audit = installAuditHook(pyodide);
  hardenJsRealm();
  const intrinsics = watchIntrinsics();

  port.on('message', (call) => {
    const logs = [];
    let droppedLogs = 0;
    const { maxEntries, maxChars } = workerData.logLimits;
    emit = (level, message) => {
      if (logs.length >= maxEntries) droppedLogs++;
      else logs.push({ level, message: message.length > maxChars ? `${message.slice(0, maxChars)}…` : message });
    };
    Atomics.store(interrupt, 0, 0);
    let envelope;
    // Only an execution of a custom node gets a bridge; its function is refused once the call is over.
    const opened = call.kind === 'custom' ? bridges.forCall(call.id, call.limits) : undefined;
    try {
      for (const dir of WRITABLE) {
        unmount(dir);
        mount(FS.filesystems.MEMFS, {}, dir);
      }
      FS.chdir('/home/pyodide');
      if (call.kind === 'code') envelope = runCall(call.code, call.inputJson, call.maxOutputChars, tools);
      else if (call.kind === 'extract')
        envelope = runCustom('extract', call.source, 'null', 'null', 'null', call.maxOutputChars, null, customTools);
      else
        envelope = runCustom(
          'execute',
          call.source,
          call.inputJson,
          call.configJson,
          call.metaJson,
          call.maxOutputChars,
          opened.bridge,
          customTools,
        );
    } catch (err) {
      // Python raised outside the user's frame (an interrupt landing in the runner), or the runtime broke.
      const fatal = Boolean(err && err.pyodide_fatal_error);
      const text = String(err && err.message ? err.message : err);
      envelope = JSON.stringify(
        text.includes('KeyboardInterrupt') ? { kind: 'interrupted' } : { kind: 'broken', message: text.slice(-500), fatal },
      );
    }
    const dropped = opened ? opened.close() : 0;
    if (dropped > 0) {
      const { maxLogCalls, maxLogArgsChars } = call.limits;
      const message = `${dropped} context.log and context.progress calls dropped (past ${maxLogCalls} calls, or over ${maxLogArgsChars} characters)`;
      logs.push({ level: 'warn', message });
    }
    // A call that changed JS intrinsics keeps its result, but the interpreter is not reset for another call: it goes.
    const retire = intrinsics.changed();
    try {
      if (!retire) audit.resetting((touched) => resetInterpreter(touched));
    } catch {
      envelope = JSON.stringify({ kind: 'broken', message: 'the interpreter could not be reset', fatal: true });
    }
    emit = () => {};
    port.postMessage({ id: call.id, envelope, logs, droppedLogs, retire });
  });
  port.postMessage({ ready: true });
}

// Assume user code reaches any JS object of this thread (Python-level guards can be undone): then nothing here
// may lead to the host. Every built-in module that touches files, processes, the network, the inspector or the
// environment has its functions replaced (built-in modules are per thread, so the rest of the process keeps
// them); only modules that compute are left. Pyodide's own `require` shim (fs, crypto, ws, child_process)
// answers with the denied modules, and code generation from strings is cut.
function hardenJsRealm() {
  for (const fn of [function () {}, async function () {}, function* () {}, async function* () {}]) {
    Object.defineProperty(Object.getPrototypeOf(fn), 'constructor', { value: undefined, writable: false, configurable: false });
  }
  for (const name of ['eval', 'fetch', 'WebSocket', 'XMLHttpRequest', 'EventSource', 'Request', 'Response', 'Headers', 'require']) {
    Object.defineProperty(globalThis, name, { value: undefined, writable: false, configurable: false });
  }
  const require = createRequire(import.meta.url);
  const computeOnly = new Set([
    'assert',
    'assert/strict',
    'buffer',
    'constants',
    'crypto',
    'events',
    'path',
    'path/posix',
    'path/win32',
    'punycode',
    'querystring',
    'string_decoder',
    'url',
    'util',
    'util/types',
    'sys',
    'timers',
    'timers/promises',
    'perf_hooks',
    'process',
    'console',
    'async_hooks',
    'diagnostics_channel',
    'stream',
    'stream/consumers',
    'stream/promises',
    'stream/web',
    'zlib',
  ]);
  // Only modules this thread has loaded: any other would have to be loaded through `require` or `import()`,
  // and `module` (require's loader) is denied last, while import() needs code generation from a string.
  const loaded = new Set(process.moduleLoadList.filter((entry) => entry.startsWith('NativeModule ')).map((entry) => entry.slice(13)));
  const modules = [['ws', require('ws')]];
  for (const name of builtinModules) {
    if (computeOnly.has(name) || name.startsWith('_') || (!loaded.has(name) && name !== 'module')) continue;
    modules.push([`node:${name}`, require(`node:${name}`)]);
  }
  modules.sort(([a], [b]) => Number(a === 'node:module') - Number(b === 'node:module'));
  for (const [name, mod] of modules) deny(mod, name);
  syncBuiltinESMExports();
  for (const key of [
    'kill',
    'abort',
    'dlopen',
    'binding',
    '_linkedBinding',
    'chdir',
    'setuid',
    'setgid',
    'seteuid',
    'setegid',
    'setgroups',
    'initgroups',
    'loadEnvFile',
    'getBuiltinModule',
    'send',
    'disconnect',
  ]) {
    if (key in process)
      process[key] = () => {
        throw new Error(`process.${key} is not available in the sandbox`);
      };
  }
  // A diagnostic report carries the whole process's environment and can be written to disk.
  if (process.report) Object.defineProperty(process, 'report', { value: undefined, writable: false, configurable: false });
}

function deny(mod, name) {
  for (const target of [mod, mod?.default, mod?.promises]) {
    if (!target || (typeof target !== 'object' && typeof target !== 'function')) continue;
    for (const key of Object.keys(target)) {
      const descriptor = Object.getOwnPropertyDescriptor(target, key);
      if (typeof target[key] !== 'function' || !descriptor?.writable) continue;
      target[key] = function denied() {
        throw new Error(`${name} is not available in the sandbox`);
      };
    }
  }
}

// Everything but /tmp and the home directory is made read-only, chmod is taken away (so a call cannot plant a
// module in /lib for the next call to import), and mounting is taken away (NODEFS would be the host's disk):
// only this file keeps mount and unmount, to give each call fresh, empty writable directories.
function lockFileSystem(FS, writable) {
  const { mount, unmount } = FS;
  for (const dir of writable) mount(FS.filesystems.MEMFS, {}, dir);
  const skip = new Set([...writable, '/dev', '/proc']);
  const walk = (path) => {
    if (skip.has(path)) return;
    const { mode } = FS.stat(path);
    FS.chmod(path, mode & ~0o222);
    if (FS.isDir(mode))
      for (const entry of FS.readdir(path)) if (entry !== '.' && entry !== '..') walk(path === '/' ? `/${entry}` : `${path}/${entry}`);
  };
  walk('/');
  const refuse = () => {
    throw new FS.ErrnoError(63); /* EPERM */
  };
  // Python's chmod syscalls pass a path or a descriptor; Emscripten itself passes a node when it creates a file.
  const chmod = FS.chmod;
  FS.chmod = (target, ...rest) => (typeof target === 'string' ? refuse() : chmod(target, ...rest));
  FS.fchmod = refuse;
  FS.lchmod = refuse;
  FS.mount = refuse;
  FS.unmount = refuse;
  for (const key of Object.keys(FS.filesystems)) if (key !== 'MEMFS') delete FS.filesystems[key];
  return { mount, unmount };
}
