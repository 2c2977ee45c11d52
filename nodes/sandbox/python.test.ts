// The Python sandbox against what users and attackers write. One warm interpreter is shared by the file (it costs
// ~2 s to load); the tests that must kill it (a swallowed interrupt, a memory bomb) check the next call recovers.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PythonSandbox } from './python.js';
import type { SandboxResult } from './result.js';

const sandbox = new PythonSandbox({ maxInterpreters: 2, memoryLimitMb: 256, graceMs: 500 });
beforeAll(() => sandbox.warm(), 60_000);
afterAll(() => sandbox.shutdown());

const run = (code: string, input: unknown = {}, timeoutMs?: number) => sandbox.run({ code, input, timeoutMs }, { owner: 'owner-a' });
const output = async (code: string, input: unknown = {}) => {
  const result = await run(code, input);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.output;
};
const failure = (result: SandboxResult) => {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.output)}`);
  return result.error;
};

describe('code.python sandbox', () => {
  it('maps JSON input to JSON output, with print captured', async () => {
    const result = await run('print("n", len(input["items"]))\nreturn {"doubled": [x * 2 for x in input["items"]]}', { items: [1, 2, 3] });
    expect(result).toMatchObject({ ok: true, output: { doubled: [2, 4, 6] } });
    expect(result.logs.map(({ level, message }) => ({ level, message }))).toEqual([{ level: 'log', message: 'n 3' }]);
    expect(await output('s = """a\nb"""\nreturn s')).toBe('a\nb');
    expect(await output('x = 1')).toBeNull();
  });

  it('reports syntax errors and runtime errors with the user message and line', async () => {
    expect(failure(await run('return (')).code).toBe('CODE_SYNTAX_ERROR');
    const error = failure(await run('x = 1\nraise ValueError("boom at two")'));
    expect(error).toMatchObject({ code: 'CODE_RUNTIME_ERROR', message: expect.stringContaining('ValueError: boom at two') });
    expect(error.stack).toMatch(/line 2/);
    expect(failure(await run('return {1, 2}')).code).toBe('CODE_OUTPUT_NOT_JSON');
  });

  it('gives no way to the JS side, the host processes, files or network, or package installation', async () => {
    const contained = async (code: string) => expect(failure(await run(code)).code, code).toBe('CODE_RUNTIME_ERROR');
    await contained('import js\nreturn str(js.process)');
    await contained('import pyodide_js\nreturn 1');
    await contained('from pyodide.code import run_js\nreturn run_js("typeof process")');
    await contained('import os\nreturn os.system("echo escaped")');
    await contained('import socket\nreturn 1');
    await contained('import urllib.request\nurllib.request.urlopen("http://127.0.0.1:1")');
    await contained('import micropip');
    // A determined attacker who undoes the Python-level guards still meets a JS realm without constructors.
    await contained(
      [
        'import sys',
        'for n in [n for n in sys.modules if n.split(".")[0] in ("pyodide", "_pyodide", "_pyodide_core", "asyncio")]:',
        '    del sys.modules[n]',
        'sys.meta_path[:] = [f for f in sys.meta_path if "Loom" not in repr(f)]',
        'import _pyodide_core',
        'return str(_pyodide_core.create_proxy(lambda: 1).bind.constructor("return typeof process")())',
      ].join('\n'),
    );
    // /etc/passwd is the host's; Pyodide's in-memory file system has no such file.
    const passwd = await run('return open("/etc/passwd").read()');
    expect(failure(passwd).message).toMatch(/FileNotFoundError/);
    expect(JSON.stringify(passwd)).not.toContain(readFileSync('/etc/passwd', 'utf8').split('\n')[0]);
  });

  it('isolates calls: globals, builtins and files do not carry over, the library is read-only', async () => {
    expect(
      await output('global leaked\nleaked = 1\nimport builtins\nbuiltins.len = lambda x: 42\nopen("/tmp/a", "w").write("x")\nreturn 1'),
    ).toBe(1);
    expect(await output('import os\nreturn [len([1]), "leaked" in globals(), os.listdir("/tmp")]')).toEqual([1, false, []]);
    expect(failure(await run('open("/lib/evil.py", "w").write("x")')).message).toMatch(/Permission/);
  });

  it('isolates calls: a module function or a library class replaced by one call is restored for the next', async () => {
    const patch = [
      // Modules the interpreter had loaded before any call: patched for everyone unless restored.
      'import json, ast, linecache',
      'json.dumps = lambda *a, **k: "pwned"',
      'json.extra_attribute = True',
      'json.JSONDecoder.decode = lambda self, s, **k: "pwned"',
      'ast.NodeVisitor.stolen = 1',
      'del linecache.getline',
      'return json.dumps([1])',
    ].join('\n');
    expect(await output(patch)).toBe('pwned');
    expect(
      await output(
        'import json, ast, linecache\nreturn [json.dumps([1]), hasattr(json, "extra_attribute"), json.loads("[2]"), hasattr(ast.NodeVisitor, "stolen"), callable(linecache.getline)]',
      ),
    ).toEqual(['[1]', false, [2], false, true]);
  });

  it('runs concurrent calls with separate results', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => run('return [input["i"], input["i"] * 10]', { i })));
    expect(results.map((r) => (r.ok ? r.output : r.error.code))).toEqual(Array.from({ length: 5 }, (_, i) => [i, i * 10]));
  });

  it('interrupts an infinite loop at about the limit and keeps the warm interpreter', async () => {
    const result = await run('while True: pass', {}, 500);
    expect(failure(result).code).toBe('CODE_TIMEOUT');
    expect(result.durationMs).toBeLessThan(1_500);
    const next = await run('return "warm"');
    expect(next).toMatchObject({ ok: true, output: 'warm' });
    expect(next.durationMs).toBeLessThan(500);
  });

  it('terminates a worker that swallows the interrupt, and the next call gets a fresh one', async () => {
    const result = await run('while True:\n    try:\n        while True: pass\n    except BaseException:\n        pass', {}, 300);
    expect(failure(result).code).toBe('CODE_TIMEOUT');
    expect(result.durationMs).toBeLessThan(2_000);
    expect(await output('return "recovered"')).toBe('recovered');
  }, 30_000);

  it('stops a memory bomb with CODE_MEMORY_LIMIT, and the next call succeeds', async () => {
    expect(failure(await run('a = []\nwhile True: a.append(" " * 10**7)', {}, 20_000)).code).toBe('CODE_MEMORY_LIMIT');
    expect(await output('return 41 + 1')).toBe(42);
  }, 30_000);

  it('cancels a running call through an AbortSignal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await sandbox.run(
      { code: 'while True: pass', input: {}, timeoutMs: 10_000 },
      { owner: 'owner-a', signal: controller.signal },
    );
    expect(failure(result).code).toBe('CODE_CANCELLED');
    expect(result.durationMs).toBeLessThan(1_000);
    expect(await output('return "after"')).toBe('after');
  });
});
