// The Python sandbox: one warm interpreter shared by the file (it takes seconds to load).
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPython, shutdownPythonSandbox, warmPython } from './python-sandbox.js';

beforeAll(() => warmPython(), 60_000);
afterAll(() => shutdownPythonSandbox());

const ok = async (code: string, input: unknown = {}) => {
  const result = await runPython({ code, input });
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result;
};
const fails = async (code: string, timeoutMs?: number) => {
  const result = await runPython({ code, input: {}, ...(timeoutMs ? { timeoutMs } : {}) });
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.output)}`);
  return result.error;
};

describe('code.python sandbox', () => {
  it('runs code over JSON input, returns JSON, and captures print()', async () => {
    const result = await ok('print("total", sum(input["items"]))\nreturn {"doubled": [x * 2 for x in input["items"]]}', { items: [1, 2, 3] });
    expect(result.output).toEqual({ doubled: [2, 4, 6] });
    expect(result.logs).toEqual([{ level: 'log', message: 'total 6' }]);
    expect((await ok('import math, json, re, datetime\nreturn math.sqrt(16)')).output).toBe(4);
  });

  it('reports syntax and runtime errors', async () => {
    expect(await fails('return (')).toMatchObject({ code: 'CODE_SYNTAX_ERROR' });
    const runtime = await fails('x = 1\nraise ValueError("bad value")');
    expect(runtime.code).toBe('CODE_RUNTIME_ERROR');
    expect(runtime.message).toContain('ValueError: bad value');
    expect(await fails('return {1, 2}')).toMatchObject({ code: 'CODE_OUTPUT_NOT_JSON' });
  });

  it('keeps no state between calls', async () => {
    await ok('global leaked\nleaked = 42\nreturn 1');
    expect((await ok('return "leaked" in globals()')).output).toBe(false);
  });

  it('has no way to the host: no js module, no host files, no network, no package installs', async () => {
    expect((await fails('import js\nreturn str(js.process)')).message).toMatch(/ModuleNotFoundError|ImportError/);
    expect((await fails('import pyodide_js\nreturn 1')).message).toMatch(/ModuleNotFoundError|ImportError/);
    expect((await fails('return open("/etc/passwd").read()')).message).toContain('FileNotFoundError');
    expect((await fails('import os\nreturn os.listdir("/root")')).message).toContain('FileNotFoundError');
    expect((await fails('import urllib.request\nreturn urllib.request.urlopen("http://127.0.0.1:1").read().decode()')).code).toBe('CODE_RUNTIME_ERROR');
    expect((await fails('import socket\ns = socket.create_connection(("127.0.0.1", 5432))\nreturn 1')).code).toBe('CODE_RUNTIME_ERROR');
    expect((await fails('import micropip\nreturn 1')).message).toMatch(/ModuleNotFoundError|ImportError/);
    expect((await fails('import os\nreturn os.system("echo pwned")')).message).toContain("no attribute 'system'");
    expect((await fails('import subprocess\nreturn subprocess.run(["id"])')).message).toMatch(/ModuleNotFoundError|ImportError/);
  });

  it('holds even when user code undoes the Python-level blocks: no network, no processes at the JS boundary', async () => {
    const reimport = 'import sys\nfor m in ("socket", "_socket", "select", "selectors"):\n    sys.modules.pop(m, None)\nimport socket\n';
    expect((await fails(`${reimport}socket.create_connection(("127.0.0.1", 5432))\nreturn "connected"`)).message).toMatch(/OSError|unreachable|not available/);
    expect((await fails('import socket\nreturn 1')).message).toMatch(/ModuleNotFoundError/);
    const ctypes = 'import sys\nsys.modules.pop("_ctypes", None)\nsys.modules.pop("ctypes", None)\nimport ctypes\nreturn ctypes.CDLL(None).system(b"touch /tmp/loom-pwned")';
    expect((await fails(ctypes)).message).toContain('not available in the sandbox');
    expect(existsSync('/tmp/loom-pwned')).toBe(false);
    expect((await ok('return "fresh interpreter"')).output).toBe('fresh interpreter');
  });

  it('stops an infinite loop at the time limit, and the next call works', async () => {
    const started = Date.now();
    expect(await fails('while True:\n    pass', 500)).toMatchObject({ code: 'CODE_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect((await ok('return "alive"')).output).toBe('alive');
  });

  it('contains a memory bomb, and the next call works', async () => {
    expect(await fails('a = []\nwhile True:\n    a.append(bytearray(5 * 10 ** 8))', 30_000)).toMatchObject({ code: 'CODE_MEMORY_LIMIT' });
    expect((await ok('return "recovered"')).output).toBe('recovered');
  }, 30_000);

  it('answers several concurrent calls correctly', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((n) => ok('return input["n"] ** 2', { n })));
    expect(results.map((r) => r.output)).toEqual([1, 4, 9, 16]);
  });

  it('stops when the run is cancelled', async () => {
    const controller = new AbortController();
    const pending = runPython({ code: 'while True:\n    pass', input: {}, timeoutMs: 20_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    const result = await pending;
    expect(result.ok ? 'ok' : result.error.code).toBe('CODE_CANCELLED');
    expect((await ok('return 3')).output).toBe(3);
  });
});
