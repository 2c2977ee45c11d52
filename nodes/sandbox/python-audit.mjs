// The Python sandbox's audit hook, written in JavaScript. A hook written in Python keeps its deny-list in
// something Python can rebind (a default argument, a closure cell, its __code__); this one is a JS function whose
// lists live in this module's scope, which no Python object refers to. Python cannot remove an audit hook, and
// this hook refuses further ones, which could otherwise watch the calls that follow.

/** Refused whenever they happen. */
const ALWAYS_DENIED = new Set([
  'sys.addaudithook',
  'os.system',
  'os.exec',
  'os.spawn',
  'os.posix_spawn',
  'os.fork',
  'os.forkpty',
  'os.kill',
  'os.killpg',
  'subprocess.Popen',
  'socket.connect',
  'socket.bind',
  'socket.getaddrinfo',
  'ctypes.dlopen',
  'ctypes.dlsym',
  // Walking the heap reaches every object the interpreter holds: the runner's and Pyodide's JS API among them.
  'gc.get_objects',
  'gc.get_referrers',
  'gc.get_referents',
  // A trace or profile function is handed every frame, the runner's included, with no further audit event.
  'sys.settrace',
  'sys.setprofile',
  'sys._current_frames',
  'sys._current_exceptions',
  'sys.monitoring.register_callback',
]);

/**
 * Refused while the runner resets the interpreter between calls: a finalizer or gc callback left by the last
 * call that ran then could otherwise get the reset's frame and write into its closure (the baseline).
 */
const DENIED_WHILE_RESETTING = new Set(['sys._getframe', 'sys._getframemodulename', 'object.__getattr__']);

/** Installs the hook on a freshly restored interpreter, before any user code runs there. */
export function installAuditHook(pyodide) {
  let resetting = false;
  // Whether the call set or deleted attributes that CPython audits (a function's __code__ or __defaults__ among
  // them): only then does the reset restore the functions it tracks, each restore being an audited event too.
  let touched = false;
  const hook = (event) => {
    if (ALWAYS_DENIED.has(event) || (resetting && DENIED_WHILE_RESETTING.has(event))) {
      throw new Error(`PermissionError: ${event} is not allowed in the sandbox`);
    }
    if (!resetting && (event === 'object.__setattr__' || event === 'object.__delattr__')) touched = true;
  };
  const sys = pyodide.pyimport('sys');
  sys.addaudithook(hook);
  sys.destroy();
  return {
    /** Runs `reset(touched)` with frame access refused. */
    resetting(reset) {
      resetting = true;
      try {
        return reset(touched);
      } finally {
        resetting = false;
        touched = false;
      }
    },
  };
}
