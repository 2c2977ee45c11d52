// Source that runs INSIDE a custom node's isolate: the guest side of Loom's node SDK, importable only as '@loom/sdk'.
// Same names and options as nodes/sdk (defineNode, defineCredentialType, field.*, NodeError), so the README's node
// runs unchanged; but here a definition is plain data the sandbox reads back (extraction) or calls (execution), and
// validation is the host's job. What the SDK made is remembered in WeakSets captured before user code runs, so
// "is this the result of defineNode" cannot be faked by an object that looks like one.

/** The one specifier a custom node may import. */
export const SDK_SPECIFIER = '@loom/sdk';

/** The global the bootstrap leaves the SDK under for the module below; the module takes it away on evaluation. */
const SDK_GLOBAL = '__loomSdk';

/**
 * The synthetic '@loom/sdk' module, compiled per call (a module belongs to the context it is linked in). It is
 * evaluated before the node's module, so the global is gone before any user code runs.
 */
export const SDK_MODULE_SOURCE = `const sdk = globalThis.${SDK_GLOBAL};
delete globalThis.${SDK_GLOBAL};
export const defineNode = sdk.defineNode;
export const defineCredentialType = sdk.defineCredentialType;
export const field = sdk.field;
export const NodeError = sdk.NodeError;
export default sdk;
`;

/**
 * A function expression `() => registry`: defines the SDK, leaves it on the global for SDK_MODULE_SOURCE, and answers
 * the sandbox's view of it: `isNode`, `isCredentialType`, `isNodeError`, and `NodeError` for the bridge's errors.
 */
export const GUEST_SDK = String.raw`() => {
  const { apply, defineProperty, ownKeys } = Reflect;
  const { freeze } = Object;
  const { has: setHas, add: setAdd } = WeakSet.prototype;
  const isArray = Array.isArray;
  const nodes = new WeakSet();
  const credentialTypes = new WeakSet();
  const nodeErrors = new WeakSet();
  const remember = (set, value) => { apply(setAdd, set, [value]); return value; };
  const known = (set) => (value) => value !== null && (typeof value === 'object' || typeof value === 'function') && apply(setHas, set, [value]);

  class NodeError extends Error {
    constructor(code, message, details, options) {
      super(message === undefined ? String(code) : String(message));
      defineProperty(this, 'name', { value: 'NodeError', writable: true, configurable: true, enumerable: false });
      this.code = code;
      if (details !== undefined) this.details = details;
      if (options !== null && typeof options === 'object' && typeof options.retryable === 'boolean') this.retryable = options.retryable;
      remember(nodeErrors, this);
    }
  }

  // A definition is a frozen copy of what the author wrote: the sandbox reads it later, the author cannot change it
  // between extraction and execution of the same module.
  const copyOf = (spec, what) => {
    if (spec === null || typeof spec !== 'object') throw new TypeError(what + ' expects an object');
    const copy = {};
    for (const key of ownKeys(spec)) if (typeof key === 'string') copy[key] = spec[key];
    return freeze(copy);
  };
  const defineNode = (spec) => remember(nodes, copyOf(spec, 'defineNode'));
  const defineCredentialType = (spec) => remember(credentialTypes, copyOf(spec, 'defineCredentialType'));

  const COMMON = ['label', 'help', 'placeholder', 'default', 'secret'];
  const make = (kind, options, extra, names) => {
    const o = options !== null && typeof options === 'object' ? options : {};
    const f = { kind, required: o.required === true };
    for (const name of [...COMMON, ...names]) if (o[name] !== undefined) f[name] = o[name];
    return freeze({ ...f, ...extra });
  };
  const choices = (values) => {
    if (!isArray(values)) throw new TypeError('field.select and field.multiselect take the list of values first');
    const out = [];
    for (const v of values) out[out.length] = typeof v === 'string' ? { value: v, label: v } : { value: v && v.value, label: v && v.label };
    return out;
  };
  const field = freeze({
    string: (o) => make('string', o, {}, []),
    expression: (o) => make('expression', o, {}, []),
    code: (o) => make('code', o, {}, ['language']),
    number: (o) => make('number', o, {}, ['min', 'max', 'int']),
    boolean: (o) => make('boolean', o, {}, []),
    json: (o) => make('json', o, {}, []),
    select: (values, o) => make('select', o, { options: choices(values) }, []),
    multiselect: (values, o) => make('multiselect', o, { options: choices(values) }, []),
  });

  const sdk = freeze({ defineNode, defineCredentialType, field, NodeError });
  defineProperty(globalThis, '${SDK_GLOBAL}', { value: sdk, configurable: true, enumerable: false, writable: false });
  return { NodeError, isNode: known(nodes), isCredentialType: known(credentialTypes), isNodeError: known(nodeErrors) };
}`;
