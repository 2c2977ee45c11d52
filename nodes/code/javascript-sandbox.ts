// Runs user JavaScript in an isolated-vm isolate: its own V8 heap with a memory cap, a CPU-time limit, no require,
// process, file system, network or timers, and nothing from the host realm (data crosses as JSON strings).
// One warm isolate is reused with a fresh context per call, so globals never leak from one call to the next;
// an isolate that hit its memory limit or was stopped is replaced on the next call.
import ivm from 'isolated-vm';
import { CODE_ERRORS, MAX_LOG_LINE_CHARS, MAX_LOG_LINES, MAX_OUTPUT_BYTES, type CodeErrorCode, type CodeLog, type CodeResult } from './errors.js';

export interface JavaScriptRequest {
  code: string;
  input: unknown;
  timeoutMs?: number;
  memoryLimitMb?: number;
}

let warm: { isolate: ivm.Isolate; memoryLimitMb: number } | undefined;
let queue: Promise<unknown> = Promise.resolve();

function isolateFor(memoryLimitMb: number): ivm.Isolate {
  if (!warm || warm.isolate.isDisposed || warm.memoryLimitMb !== memoryLimitMb) {
    if (warm && !warm.isolate.isDisposed) warm.isolate.dispose();
    warm = { isolate: new ivm.Isolate({ memoryLimit: memoryLimitMb }), memoryLimitMb };
  }
  return warm.isolate;
}

// Runs inside the sandbox: a console that hands strings to the host, and the user's function applied to the input.
const PRELUDE = `
const __fmt = (v) => { try { return typeof v === 'string' ? v : JSON.stringify(v); } catch { return String(v); } };
globalThis.console = Object.freeze({
  log: (...a) => __log.applySync(undefined, ['log', a.map(__fmt).join(' ')]),
  info: (...a) => __log.applySync(undefined, ['info', a.map(__fmt).join(' ')]),
  warn: (...a) => __log.applySync(undefined, ['warn', a.map(__fmt).join(' ')]),
  error: (...a) => __log.applySync(undefined, ['error', a.map(__fmt).join(' ')]),
});
`;

function wrap(code: string): string {
  // One line before the user's code, compensated by lineOffset so stack traces match their line numbers.
  return `(async function (input, $json) {\n${code}\n})`;
}

function failure(code: CodeErrorCode, message: string | undefined, logs: CodeLog[], started: number): CodeResult {
  return { ok: false, error: { code, message: message ? `${CODE_ERRORS[code]}: ${message}` : CODE_ERRORS[code] }, logs, durationMs: Math.round(performance.now() - started) };
}

function classify(err: unknown, isolate: ivm.Isolate): { code: CodeErrorCode; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (isolate.isDisposed && /memory/i.test(message)) return { code: 'CODE_MEMORY_LIMIT', message: '' };
  if (/memory limit/i.test(message)) return { code: 'CODE_MEMORY_LIMIT', message: '' };
  if (/timed out/i.test(message)) return { code: 'CODE_TIMEOUT', message: '' };
  if (err instanceof SyntaxError) return { code: 'CODE_SYNTAX_ERROR', message };
  const stack = err instanceof Error && err.stack ? err.stack.split('\n').find((l) => l.includes('user-code.js')) : undefined;
  return { code: 'CODE_RUNTIME_ERROR', message: stack ? `${message} (${stack.trim()})` : message };
}

async function execute(request: JavaScriptRequest, signal: AbortSignal | undefined): Promise<CodeResult> {
  const started = performance.now();
  const timeoutMs = request.timeoutMs ?? 5_000;
  const logs: CodeLog[] = [];
  let isolate: ivm.Isolate;
  try {
    isolate = isolateFor(request.memoryLimitMb ?? 64);
  } catch (err) {
    return failure('CODE_SANDBOX_FAILED', err instanceof Error ? err.message : String(err), logs, started);
  }
  let script: ivm.Script;
  try {
    script = await isolate.compileScript(wrap(request.code), { filename: 'user-code.js', lineOffset: -1 });
  } catch (err) {
    return failure('CODE_SYNTAX_ERROR', err instanceof Error ? err.message : String(err), logs, started);
  }
  const context = await isolate.createContext();
  const onAbort = () => isolate.dispose();
  signal?.addEventListener('abort', onAbort, { once: true });
  let wall: NodeJS.Timeout | undefined;
  try {
    const jail = context.global;
    await jail.set('__log', new ivm.Reference((level: CodeLog['level'], message: string) => {
      if (logs.length < MAX_LOG_LINES) logs.push({ level, message: String(message).slice(0, MAX_LOG_LINE_CHARS) });
    }));
    await context.eval(PRELUDE, { timeout: timeoutMs });
    const fn = (await script.run(context, { timeout: timeoutMs, reference: true })) as ivm.Reference<(input: unknown) => Promise<unknown>>;
    const inputJson = JSON.stringify(request.input ?? null);
    // Parse the input inside the isolate and stringify the output there: only strings cross the boundary.
    const runner = await context.eval(`(fn, json) => fn(JSON.parse(json), JSON.parse(json)).then((v) => v === undefined ? 'null' : JSON.stringify(v))`, { reference: true, timeout: timeoutMs });
    const pending = runner.apply(undefined, [fn.derefInto(), inputJson], { timeout: timeoutMs, result: { promise: true, copy: true } }) as Promise<unknown>;
    // A promise that never settles (await new Promise(() => {})) costs no CPU; the wall clock ends it.
    const deadline = new Promise<never>((_, reject) => (wall = setTimeout(() => reject(new Error('Script execution timed out.')), timeoutMs + 50)));
    const text = await Promise.race([pending, deadline]);
    if (typeof text !== 'string') return failure('CODE_OUTPUT_NOT_JSON', 'functions, symbols and cyclic values cannot be returned', logs, started);
    if (text.length > MAX_OUTPUT_BYTES) return failure('CODE_OUTPUT_TOO_LARGE', `${text.length} bytes (limit ${MAX_OUTPUT_BYTES})`, logs, started);
    return { ok: true, output: JSON.parse(text) as unknown, logs, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    if (signal?.aborted) return failure('CODE_CANCELLED', undefined, logs, started);
    const { code, message } = classify(err, isolate);
    if (code === 'CODE_RUNTIME_ERROR' && /Converting circular|BigInt/.test(message)) return failure('CODE_OUTPUT_NOT_JSON', message, logs, started);
    // A timed-out isolate may still be spinning: replace it rather than queue the next call behind it.
    if (code === 'CODE_TIMEOUT' && !isolate.isDisposed) isolate.dispose();
    return failure(code, message, logs, started);
  } finally {
    clearTimeout(wall);
    signal?.removeEventListener('abort', onAbort);
    if (!isolate.isDisposed) context.release();
  }
}

/** Calls run one at a time on the warm isolate (an isolate executes one context at a time anyway). */
export function runJavaScript(request: JavaScriptRequest, options: { signal?: AbortSignal } = {}): Promise<CodeResult> {
  const result = queue.then(() => execute(request, options.signal));
  queue = result.catch(() => undefined);
  return result;
}

/** A cold call: a brand-new isolate, for measuring what the warm one saves. */
export function disposeJavaScriptSandbox(): void {
  if (warm && !warm.isolate.isDisposed) warm.isolate.dispose();
  warm = undefined;
}
