// Python that the sandbox runs while it builds its interpreter image, before any call: import guards and the
// per-call runner. The guards give clear errors for what is not available; they are not the boundary (Python can
// undo what Python does): one interpreter never serves two owners (python.ts), the audit hook's deny-list lives
// in JavaScript where no Python object holds it, and the worker's JS realm holds nothing worth reaching
// (python-worker.mjs).

export const GUARD_PY = String.raw`
def _loom_guard():
    import sys

    # Modules that lead to the JS side, to package installation, to processes or to the network.
    blocked = frozenset({
        'js', 'pyodide_js', 'pyodide', '_pyodide', '_pyodide_core', 'micropip',
        'socket', '_socket', 'ssl', '_ssl', 'select', 'selectors', 'asyncio',
        'ctypes', '_ctypes', 'subprocess', '_posixsubprocess', 'multiprocessing',
    })

    class LoomImportGuard:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name.partition('.')[0] in blocked:
                raise ModuleNotFoundError(f"module '{name}' is not available in the sandbox", name=name)
            return None

    sys.meta_path.insert(0, LoomImportGuard)
    for name in list(sys.modules):
        if name.partition('.')[0] in blocked:
            sys.modules[name] = None
    # Pyodide's restore leaves its core module in __main__ (the runner's factory takes itself out).
    main = sys.modules['__main__'].__dict__
    for name in [n for n in main if not n.startswith('__') and not n.startswith('_loom_')]:
        del main[name]

_loom_guard()
del _loom_guard
`;

// What both runners answer with, defined inside each runner's factory from this one text (this file's RUNNER_PY and
// python-custom-guest.mjs), under the same rules as the rest of a runner: no closures, what a function needs comes
// in as arguments (`answer_tools`), and the runner's reset restores their code and defaults.
export const ANSWER_PY = String.raw`
    def user_frames(tb, lines, filename):
        # Only the frames of the user's file, walked by hand (no library code that a call could have patched),
        # last ten.
        frames = []
        while tb is not None:
            code = tb.tb_frame.f_code
            if code.co_filename == filename:
                frames.append((tb.tb_lineno, code.co_name))
            tb = tb.tb_next
        text = ''
        for lineno, name in frames[-10:]:
            text += f'  File "{filename}", line {lineno}, in {name}\n'
            if 0 < lineno <= len(lines):
                text += '    ' + lines[lineno - 1].strip() + '\n'
        return text

    def thrown(error, lines, filename, answer_tools):
        # What the user's code raised: its message and its frames in the user's file, each a placeholder when
        # reading it raises in turn.
        JSONEncoder, user_frames, BaseException, TypeError, ValueError, RecursionError, str, len = answer_tools
        try:
            message = str(error)[:4000]
        except BaseException:
            message = '<unprintable>'
        try:
            trace = user_frames(error.__traceback__, lines, filename)
        except BaseException:
            trace = ''
        return message, trace

    def output(result, max_output_chars, answer_tools):
        # The envelope of what the user's code returned: ok, unless it has no JSON form or is too large.
        JSONEncoder, user_frames, BaseException, TypeError, ValueError, RecursionError, str, len = answer_tools
        try:
            text = JSONEncoder(allow_nan=False).encode(result)
        except (TypeError, ValueError, RecursionError) as error:
            return JSONEncoder().encode({'kind': 'not-json', 'message': str(error)[:4000]})
        if len(text) > max_output_chars:
            return JSONEncoder().encode({'kind': 'too-large', 'chars': len(text)})
        return '{"kind": "ok", "output": ' + text + '}'

    answer_tools = (json.JSONEncoder, user_frames, BaseException, TypeError, ValueError, RecursionError, str, len)
`;

// The runner is built by a factory that takes itself out of __main__; only the worker holds what it returns, so
// no name user code can write leads to it. `run` has no closure: what it needs arrives as arguments on every call (the
// worker holds them), so a call that rewrites a frame's locals (frame.f_locals writes through since 3.13) changes
// only its own call. `reset` keeps its baseline in a closure, and the worker forbids frame access while it runs.
export const RUNNER_PY = String.raw`
def _loom_make_runner(extra_functions=()):
    # extra_functions: the custom runner's (python-custom-guest.mjs), restored by reset() like this runner's own.
    import ast, atexit, builtins, gc, json, linecache, os, sys, types
    # Out of __main__ before the baseline is taken, so that restoring __main__ does not bring the factory back.
    sys.modules['__main__'].__dict__.pop('_loom_make_runner', None)

    MISSING = object()
    HEAPTYPE = 1 << 9
    # Modules whose functions the runner calls: their code objects and defaults are restored after every call,
    # as a replaced function would be.
    RUNNER_MODULES = ('json', 'json.decoder', 'json.encoder', 'json.scanner', 'ast')

    # No function the worker is handed, or that reaches the user's frames, has a closure: a cell's contents can
    # be rewritten through a frame, and the tools tuple is visible in run's frame. What they need comes in as
    # arguments, and their code and defaults are restored by reset().
    def compile_user(code, ast):
        # The user's statements become the body of main(input), so 'return' works; their line numbers are kept
        # as written (no re-indenting, which would also change multi-line strings).
        tree = ast.parse(code, filename='<user-code>', mode='exec')
        module = ast.parse('def main(input):\n    pass\n')
        module.body[0].body = tree.body or [ast.Pass()]
        ast.fix_missing_locations(module)
        return compile(module, '<user-code>', 'exec')
${ANSWER_PY}
    # Classes, not json.loads/dumps: those go through module-level encoder and decoder instances, whose
    # attributes a call could replace; a fresh instance per use only has the (restored) class behind it.
    tools = (json.JSONDecoder, json.JSONEncoder, compile_user, thrown, output, answer_tools, ast, linecache.cache,
             builtins, BaseException, KeyboardInterrupt, MemoryError, SyntaxError, len, type, exec)

    def run(code, input_json, max_output_chars, tools):
        (JSONDecoder, JSONEncoder, compile_user, thrown, output, answer_tools, ast, line_cache, builtins,
         BaseException, KeyboardInterrupt, MemoryError, SyntaxError, len, type, exec) = tools
        envelope = lambda kind, **fields: JSONEncoder().encode({'kind': kind, **fields})
        lines = code.splitlines(True)
        line_cache['<user-code>'] = (len(code), None, lines, '<user-code>')
        try:
            program = compile_user(code, ast)
        except SyntaxError as error:
            return envelope('syntax', message=f'{error.msg} (line {error.lineno})', line=error.lineno)
        # The user's own globals: nothing of the runner, and not __main__.
        namespace = {'__builtins__': builtins, '__name__': '__loom__'}
        try:
            exec(program, namespace)
            result = namespace['main'](JSONDecoder().decode(input_json))
        except KeyboardInterrupt:
            return envelope('interrupted')
        except MemoryError:
            return envelope('memory')
        except BaseException as error:
            message, trace = thrown(error, lines, '<user-code>', answer_tools)
            return envelope('threw', type=type(error).__name__, message=message, traceback=trace)
        return output(result, max_output_chars, answer_tools)

    def snapshot_namespaces():
        # Module namespaces and the classes written in Python that they define, as they were before any call.
        modules, classes, functions = {}, [], []
        for name, module in list(sys.modules.items()):
            if module is None or name == 'builtins':
                continue
            namespace = getattr(module, '__dict__', None)
            if not isinstance(namespace, dict):
                continue
            modules[name] = (namespace, dict(namespace))
            for value in list(namespace.values()):
                if isinstance(value, type) and value.__flags__ & HEAPTYPE and getattr(value, '__module__', None) == name:
                    classes.append((value, dict(value.__dict__)))
                    if name in RUNNER_MODULES:
                        functions.extend(v for v in value.__dict__.values() if isinstance(v, types.FunctionType))
                elif name in RUNNER_MODULES and isinstance(value, types.FunctionType):
                    functions.append(value)
        functions += [compile_user, user_frames, thrown, output, *extra_functions]
        return modules, classes, [(f, f.__code__, f.__defaults__, f.__kwdefaults__, dict(f.__dict__)) for f in functions]

    baseline = {
        'modules': dict(sys.modules),
        'meta_path': list(sys.meta_path),
        'path': list(sys.path),
        'path_hooks': list(sys.path_hooks),
        'builtins': dict(builtins.__dict__),
        'stdout': sys.stdout,
        'stderr': sys.stderr,
        'recursion': sys.getrecursionlimit(),
        'int_digits': sys.get_int_max_str_digits(),
        'environ': dict(os.environ),
        'namespaces': snapshot_namespaces(),
    }

    def changed(current, saved):
        if len(current) != len(saved):
            return True
        for key, value in saved.items():
            if current.get(key, MISSING) is not value:
                return True
        return False

    def reset(functions_touched):
        # What a call changed in interpreter state does not reach the next call (the same owner's: no other owner
        # ever runs here): imports it made are dropped, replaced entries restored, and so are builtins, import
        # machinery, streams, limits, gc callbacks and __main__. Compared by identity (never ==, which user code
        # could define). What this does not undo: changes inside objects the modules hold (an instance's
        # attributes, a list's items); interpreters are also recycled after a number of calls (python.ts).
        gc.callbacks.clear()
        gc.enable()
        atexit._clear()
        for name in [n for n in sys.modules if n not in baseline['modules']]:
            del sys.modules[name]
        sys.modules.update(baseline['modules'])
        sys.meta_path[:] = baseline['meta_path']
        sys.path[:] = baseline['path']
        sys.path_hooks[:] = baseline['path_hooks']
        sys.path_importer_cache.clear()
        builtins.__dict__.clear()
        builtins.__dict__.update(baseline['builtins'])
        sys.stdout, sys.stderr = baseline['stdout'], baseline['stderr']
        sys.setrecursionlimit(baseline['recursion'])
        sys.set_int_max_str_digits(baseline['int_digits'])
        linecache.cache.pop('<user-code>', None)
        if dict(os.environ) != baseline['environ']:
            os.environ.clear()
            os.environ.update(baseline['environ'])
        modules, classes, functions = baseline['namespaces']
        for namespace, saved in modules.values():
            if changed(namespace, saved):
                namespace.clear()
                namespace.update(saved)
        for cls, saved in classes:
            current = cls.__dict__
            if not changed(current, saved):
                continue
            for key in [k for k in current if k not in saved]:
                delattr(cls, key)
            for key, value in saved.items():
                if current.get(key, MISSING) is not value and key not in ('__dict__', '__weakref__'):
                    setattr(cls, key, value)
        # Only when the call set audited attributes (the worker's audit hook tells): restoring is audited too.
        for function, code, defaults, kwdefaults, attributes in functions if functions_touched else ():
            function.__code__, function.__defaults__, function.__kwdefaults__ = code, defaults, kwdefaults
            function.__dict__.clear()
            function.__dict__.update(attributes)

    return run, tools, reset
`;
