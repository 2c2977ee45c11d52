// The thread's side of a custom node's bridge: a synchronous function that Python calls (through Pyodide) with an
// operation and its JSON arguments, and that returns the host's answer as JSON text. Python runs synchronously on
// this thread, so the request is posted to the host on a dedicated MessageChannel and the thread blocks on
// Atomics.wait over a shared word until the host has posted the answer and bumped the word; the answer is taken
// with receiveMessageOnPort (no event loop turns). The guest's `await context.x(...)` are awaitables that have
// completed by then (python-custom-guest.mjs).
//
// Threat model (python-worker.mjs): Python may reach any JS object of this thread, prototypes included. So every
// built-in this file calls is captured when it is imported, before any Python runs and before hardenJsRealm()
// denies worker_threads; the requests are built as literals and the answers read as own properties of
// structured-clone copies; nothing but strings is taken from or handed to Python. What Python can do with the
// function it holds is call it, which only ever reaches the host's bridge, where every request is validated.
import { receiveMessageOnPort } from 'node:worker_threads';

const receive = receiveMessageOnPort;
const { wait, load } = Atomics;
const stringify = JSON.stringify;

/** Answers the guest reads (python-custom-guest.mjs): a refusal with a code, a null success, the stop. */
const refusal = (code, message) => stringify({ error: { code, message } });
const DONE = stringify({ ok: null });
const INTERRUPTED = stringify({ interrupted: true });

/**
 * Opens the bridge over `port` (the thread's end of the channel) and `signal` (the shared word the host bumps after
 * each answer); `interrupt` is Pyodide's interrupt buffer, set by the host when it stops the call.
 */
export function openBridge(port, signal, interrupt) {
  const post = port.postMessage.bind(port);
  return {
    /**
     * A fresh function for one call (callId), and `close()`, after which it refuses everything: a function kept by
     * Python past its call reaches nothing. `close()` answers how many log and progress requests were dropped.
     */
    forCall(callId, limits) {
      const state = { open: true, seq: 0, calls: 0, logs: 0, dropped: 0 };
      const bridge = (op, args) => request(state, callId, limits, op, args);
      return {
        bridge,
        close() {
          state.open = false;
          return state.dropped;
        },
      };
    },
  };

  // An index loop: Array.prototype methods are Python's to replace.
  function known(ops, op) {
    for (let i = 0; i < ops.length; i++) if (ops[i] === op) return true;
    return false;
  }

  function request(state, callId, limits, op, args) {
    if (!state.open) return refusal('CODE_INVALID_REQUEST', 'this context belongs to a call that has ended');
    if (typeof op !== 'string' || typeof args !== 'string') return refusal('CODE_INVALID_REQUEST', 'bridge requests are strings');
    if (!known(limits.ops, op)) return refusal('CODE_INVALID_REQUEST', 'no such context operation');
    if (args.length > limits.maxArgsChars)
      return refusal('CODE_INVALID_REQUEST', `the arguments of a context call exceed ${limits.maxArgsChars} characters`);
    // Fire and forget, in order with the rest (the host handles requests as they arrive).
    if (op === 'log' || op === 'progress') {
      if (state.logs >= limits.maxLogCalls || args.length > limits.maxLogArgsChars) {
        state.dropped++;
        return DONE;
      }
      state.logs++;
      post({ callId, seq: 0, op, args });
      return DONE;
    }
    if (state.calls >= limits.maxCalls)
      return refusal('CODE_INVALID_REQUEST', `more than ${limits.maxCalls} context calls in one execution`);
    // Stopped already (an interrupt the guest caught): ask nothing more of the host.
    if (load(interrupt, 0) !== 0) return INTERRUPTED;
    state.calls++;
    const seq = ++state.seq;
    let seen = load(signal, 0);
    post({ callId, seq, op, args });
    for (;;) {
      // The host stopped the call (time limit, cancellation): it will not answer.
      if (load(interrupt, 0) !== 0) return INTERRUPTED;
      const received = receive(port);
      if (received !== undefined) {
        const answer = received.message;
        // Anything else is a late answer to an earlier call, which nobody waits for any more.
        if (answer.callId === callId && answer.seq === seq && typeof answer.answer === 'string') return answer.answer;
        continue;
      }
      // The host posts the answer before it bumps the word, so a wake-up finds the message; the timeout only guards
      // against a wake-up that could be missed.
      wait(signal, 0, seen, 1_000);
      seen = load(signal, 0);
    }
  }
}
