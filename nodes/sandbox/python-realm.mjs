// Notices when a call changed the thread's JS intrinsics. Python can reach JS prototypes through any JS object it
// holds (a custom node holds its bridge function; `getattr(f, '__proto__')` and `__defineGetter__` follow), and a
// getter or a replaced method left on Object.prototype would run in this thread's code and Pyodide's on every later
// call. The reset between calls is Python's and cannot undo that, so an interpreter whose intrinsics changed is
// retired after the call (python.ts): the next call of its owner gets a fresh one.

const { ownKeys, getPrototypeOf, isExtensible } = Reflect;
const { TextDecoder, TextEncoder, WebAssembly } = globalThis;
const describe = Object.getOwnPropertyDescriptor;

function intrinsics() {
  const arrayIterator = getPrototypeOf([][Symbol.iterator]());
  const typed = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array];
  const constructors = [Object, Function, Array, String, Number, Boolean, Symbol, BigInt, Error, TypeError, RangeError, SyntaxError];
  const more = [Promise, RegExp, Map, Set, WeakMap, WeakSet, Date, ArrayBuffer, SharedArrayBuffer, DataView, TextDecoder, TextEncoder];
  const all = [
    ...constructors,
    ...more,
    ...typed,
    getPrototypeOf(Uint8Array),
    WebAssembly.Memory,
    WebAssembly.Module,
    WebAssembly.Instance,
  ];
  return [
    ...all,
    ...all.map((c) => c.prototype),
    arrayIterator,
    getPrototypeOf(arrayIterator),
    JSON,
    Math,
    Atomics,
    Reflect,
    WebAssembly,
    globalThis,
  ];
}

/** Takes the intrinsics' state now (after the realm is hardened); `changed()` tells whether it differs since. */
export function watchIntrinsics() {
  const targets = intrinsics();
  const snapshots = targets.map(fingerprint);
  return {
    // Compares as it reads, with functions captured at import and own properties only: the check runs after the
    // call, over prototypes the call may have changed, so it builds nothing and looks nothing up on a prototype.
    changed() {
      for (let t = 0; t < targets.length; t++) {
        const target = targets[t];
        const snapshot = snapshots[t];
        if (getPrototypeOf(target) !== snapshot.proto || isExtensible(target) !== snapshot.extensible) return true;
        const keys = ownKeys(target);
        const entries = snapshot.entries;
        if (keys.length * FIELDS !== entries.length) return true;
        for (let k = 0; k < keys.length; k++) {
          const d = describe(target, keys[k]);
          const at = k * FIELDS;
          if (keys[k] !== entries[at]) return true;
          for (let f = 0; f < DESCRIPTOR.length; f++) if (!is(own(d, DESCRIPTOR[f]), entries[at + 1 + f])) return true;
        }
      }
      return false;
    },
  };
}

const is = Object.is;
const hasOwn = Object.hasOwn;
const DESCRIPTOR = Object.freeze(['value', 'get', 'set', 'writable', 'enumerable', 'configurable']);
const FIELDS = 1 + DESCRIPTOR.length;
const own = (d, name) => (hasOwn(d, name) ? d[name] : undefined);

function fingerprint(target) {
  const entries = [];
  for (const key of ownKeys(target)) {
    const d = describe(target, key);
    entries.push(key, ...DESCRIPTOR.map((name) => own(d, name)));
  }
  return { proto: getPrototypeOf(target), extensible: isExtensible(target), entries };
}
