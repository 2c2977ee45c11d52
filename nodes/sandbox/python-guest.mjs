// Python that the sandbox's worker thread runs once at start: import guards and the per-call runner. The guards
// give clear errors for what is not available; they are not the boundary (Python can undo much of what Python
// does), the worker's JavaScript realm is (see python-worker.mjs).

export const GUARD_PY = String.raw`
import sys as _sys

# Modules that lead to the JS side, to package installation, to processes or to the network.
_LOOM_BLOCKED = frozenset({
    'js', 'pyodide_js', 'pyodide', '_pyodide', '_pyodide_core', 'micropip',
    'socket', '_socket', 'ssl', '_ssl', 'select', 'selectors', 'asyncio',
    'ctypes', '_ctypes', 'subprocess', '_posixsubprocess', 'multiprocessing',
})

class _LoomImportGuard:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition('.')[0] in _LOOM_BLOCKED:
            raise ModuleNotFoundError(f"module '{name}' is not available in the sandbox", name=name)
        return None

_sys.meta_path.insert(0, _LoomImportGuard)
for _name in list(_sys.modules):
    if _name.partition('.')[0] in _LOOM_BLOCKED:
        _sys.modules[_name] = None

# An audit hook cannot be removed from Python. This one refuses processes and sockets, and refuses further hooks,
# which would otherwise let one call watch the next.
def _loom_audit(event, args, _denied=frozenset({
    'sys.addaudithook', 'os.system', 'os.exec', 'os.spawn', 'os.posix_spawn', 'os.fork', 'os.forkpty',
    'os.kill', 'os.killpg', 'subprocess.Popen', 'socket.connect', 'socket.bind', 'socket.getaddrinfo',
    'ctypes.dlopen', 'ctypes.dlsym', 'gc.get_objects', 'gc.get_referrers', 'gc.get_referents',
})):
    if event in _denied:
        raise PermissionError(f'{event} is not allowed in the sandbox')

_sys.addaudithook(_loom_audit)
`;

export const RUNNER_PY = String.raw`
import ast as _ast, builtins as _builtins, json as _json, linecache as _linecache, sys as _sys, traceback as _traceback

# Captured once: a call that patches json, builtins or sys cannot change how the next call is fed or read.
_loads, _dumps = _json.loads, _json.dumps
_USER_FILE = '<user-code>'
_TEMPLATE = 'def main(input):\n    pass\n'
_baseline = {
    'modules': dict(_sys.modules),
    'meta_path': list(_sys.meta_path),
    'path': list(_sys.path),
    'path_hooks': list(_sys.path_hooks),
    'builtins': dict(_builtins.__dict__),
    'stdout': _sys.stdout,
    'stderr': _sys.stderr,
    'recursion': _sys.getrecursionlimit(),
}

def _compile_user(code):
    # The user's statements become the body of main(input), so 'return' works; their line numbers are kept
    # as written (no re-indenting, which would also change multi-line strings).
    tree = _ast.parse(code, filename=_USER_FILE, mode='exec')
    module = _ast.parse(_TEMPLATE)
    module.body[0].body = tree.body or [_ast.Pass()]
    _ast.fix_missing_locations(module)
    return compile(module, _USER_FILE, 'exec')

def _user_frames(tb):
    frames = [f for f in _traceback.extract_tb(tb) if f.filename == _USER_FILE]
    return ''.join(_traceback.format_list(frames[-10:]))

def _envelope(kind, **fields):
    return _dumps({'kind': kind, **fields})

def _loom_run(code, input_json, max_output_chars):
    _linecache.cache[_USER_FILE] = (len(code), None, code.splitlines(True), _USER_FILE)
    try:
        program = _compile_user(code)
    except SyntaxError as error:
        return _envelope('syntax', message=f'{error.msg} (line {error.lineno})', line=error.lineno)
    namespace = {'__builtins__': _builtins, '__name__': '__loom__'}
    try:
        exec(program, namespace)
        result = namespace['main'](_loads(input_json))
    except KeyboardInterrupt:
        return _envelope('interrupted')
    except MemoryError:
        return _envelope('memory')
    except RecursionError as error:
        return _envelope('threw', type='RecursionError', message=str(error)[:4000], traceback=_user_frames(error.__traceback__))
    except BaseException as error:
        try:
            message = str(error)[:4000]
        except BaseException:
            message = '<unprintable>'
        return _envelope('threw', type=type(error).__name__, message=message, traceback=_user_frames(error.__traceback__))
    try:
        text = _dumps(result, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as error:
        return _envelope('not-json', message=str(error)[:4000])
    if len(text) > max_output_chars:
        return _envelope('too-large', chars=len(text))
    return '{"kind": "ok", "output": ' + text + '}'

def _loom_reset():
    # What one call changed in shared interpreter state does not reach the next: imports it made are dropped,
    # removed or replaced entries are restored, and so are builtins, import machinery, streams and tracing.
    for name in [n for n in _sys.modules if n not in _baseline['modules']]:
        del _sys.modules[name]
    _sys.modules.update(_baseline['modules'])
    _sys.meta_path[:] = _baseline['meta_path']
    _sys.path[:] = _baseline['path']
    _sys.path_hooks[:] = _baseline['path_hooks']
    _sys.path_importer_cache.clear()
    _builtins.__dict__.clear()
    _builtins.__dict__.update(_baseline['builtins'])
    _sys.stdout, _sys.stderr = _baseline['stdout'], _baseline['stderr']
    _sys.settrace(None)
    _sys.setprofile(None)
    _sys.setrecursionlimit(_baseline['recursion'])
    _linecache.cache.pop(_USER_FILE, None)
    _restore_namespaces()

# Module namespaces and the classes written in Python that they define, as they were before any call. A call
# that replaces json.dumps, or a method of a library class, for itself must not replace it for the next caller,
# who may be another user. Compared by identity (never ==, which user code could define) and restored only where
# something changed. What this does not undo: changes inside objects the modules hold (an instance's attributes,
# a list's items); interpreters are also recycled after a number of calls (python.ts).
_MISSING = object()
_HEAPTYPE = 1 << 9

def _snapshot():
    modules, classes = {}, []
    for name, module in list(_sys.modules.items()):
        if module is None or name in ('__main__', 'builtins'):
            continue
        namespace = getattr(module, '__dict__', None)
        if not isinstance(namespace, dict):
            continue
        modules[name] = (namespace, dict(namespace))
        for value in list(namespace.values()):
            if isinstance(value, type) and value.__flags__ & _HEAPTYPE and getattr(value, '__module__', None) == name:
                classes.append((value, dict(value.__dict__)))
    return modules, classes

def _changed(current, saved):
    if len(current) != len(saved):
        return True
    for key, value in saved.items():
        if current.get(key, _MISSING) is not value:
            return True
    return False

def _restore_namespaces():
    for namespace, saved in _namespaces[0].values():
        if _changed(namespace, saved):
            namespace.clear()
            namespace.update(saved)
    for cls, saved in _namespaces[1]:
        current = cls.__dict__
        if not _changed(current, saved):
            continue
        for key in [k for k in current if k not in saved]:
            delattr(cls, key)
        for key, value in saved.items():
            if current.get(key, _MISSING) is not value and key not in ('__dict__', '__weakref__'):
                setattr(cls, key, value)

_namespaces = _snapshot()
`;
