// The runner of custom Python nodes: extracts a node's declaration or executes it. It is defined in the interpreter
// image like the code.python runner (python-guest.mjs), answers with the same helpers (ANSWER_PY, defined in this
// factory from the same text) and follows its rules: a factory that takes itself out of __main__, functions without
// closures whose tools arrive as arguments, so nothing a call rewrites reaches the next.
//
// The `loom` module (python-sdk.mjs) is made afresh for every call (its compiled code is kept, its objects are not)
// and put in sys.modules only for that call (the reset drops it): a node that patches `loom` or the classes in it
// patches its own call only. Nothing in the module is trusted: whatever the SDK sends goes through the bridge
// function, whose requests the host validates (python-bridge-client.mjs, nodes/custom/protocol.ts).
import { ANSWER_PY } from './python-guest.mjs';
import { LOOM_SDK_PY } from './python-sdk.mjs';

/** The factory of the custom runner (its definition only: the worker calls it after the restore). */
export const CUSTOM_RUNNER_PY = String.raw`
def _loom_make_custom_runner():
    import builtins, json, sys, types, urllib.parse
    sys.modules['__main__'].__dict__.pop('_loom_make_custom_runner', None)

    sdk_code = compile(${JSON.stringify(LOOM_SDK_PY)}, '<loom>', 'exec')

${ANSWER_PY}
    tools = (json.JSONDecoder, json.JSONEncoder, sdk_code, thrown, output, answer_tools, sys.modules, types.ModuleType,
             builtins, BaseException, KeyboardInterrupt, MemoryError, SyntaxError, str, len, type, bool, dict,
             isinstance, compile, exec)

    def run(mode, source, input_json, config_json, meta_json, max_output_chars, send, tools):
        (JSONDecoder, JSONEncoder, sdk_code, thrown, output, answer_tools, modules, ModuleType, builtins,
         BaseException, KeyboardInterrupt, MemoryError, SyntaxError, str, len, type, bool, dict, isinstance, compile,
         exec) = tools
        envelope = lambda kind, **fields: JSONEncoder().encode({'kind': kind, **fields})
        # This call's own loom module, and what the runner reads of it taken before the node's code runs.
        sdk = ModuleType('loom')
        sdk.__dict__['__builtins__'] = builtins
        exec(sdk_code, sdk.__dict__)
        NodeError, DeclarationError = sdk.NodeError, sdk.DeclarationError
        describe, execute = sdk._describe, sdk._execute
        modules['loom'] = sdk
        lines = source.splitlines()
        try:
            program = compile(source, '<custom-node>', 'exec')
        except SyntaxError as error:
            return envelope('syntax', message=f'{error.msg} (line {error.lineno})')
        namespace = {'__builtins__': builtins, '__name__': '__loom_node__'}
        try:
            exec(program, namespace)
            if mode == 'extract':
                result = describe(namespace)
            else:
                decode = lambda text: JSONDecoder().decode(text)
                result = execute(namespace, decode(input_json), decode(config_json), decode(meta_json), send)
        except KeyboardInterrupt:
            return envelope('interrupted')
        except MemoryError:
            return envelope('memory')
        except DeclarationError as error:
            return envelope('invalid', message=str(error.args[0] if error.args else '')[:4000])
        except BaseException as error:
            message, trace = thrown(error, lines, '<custom-node>', answer_tools)
            if isinstance(error, NodeError):
                code, text, details, retryable = error.code, error.message, error.details, error.retryable
                if type(code) is str and type(text) is str:
                    fields = {'code': code[:200], 'message': text[:4000], 'traceback': trace}
                    if type(retryable) is bool:
                        fields['retryable'] = retryable
                    if type(details) is dict:
                        try:
                            encoded = JSONEncoder(allow_nan=False).encode(details)
                            if len(encoded) <= 16384:
                                fields['details'] = JSONDecoder().decode(encoded)
                        except BaseException:
                            pass
                    return envelope('node-error', **fields)
            return envelope('threw', type=type(error).__name__, message=message, traceback=trace)
        return output(result, max_output_chars, answer_tools)

    # The worker hands these to the code.python runner's factory, whose reset restores their code.
    return run, tools, (run, user_frames, thrown, output)
`;
