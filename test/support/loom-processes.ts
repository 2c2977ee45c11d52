// Loom's production processes (apps/gateway/main.ts, apps/worker/main.ts) as children of a test: real ports, real
// PostgreSQL and Redis, an external Temporal server. Each keeps its stderr, so a test can say nothing crashed.
import { spawn, type ChildProcess } from 'node:child_process';

export interface LoomProcess {
  name: string;
  child: ChildProcess;
  /** Everything it wrote to stderr (its logs at LOG_LEVEL, crashes). */
  stderr(): string;
  /** Where its /metrics, /healthz and /readyz answer (the API port for a gateway, the ops listener for a worker). */
  opsUrl: string;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  /** SIGTERM, and wait (a graceful stop). */
  stop(): Promise<void>;
}

export function startLoomProcess(name: string, kind: 'gateway' | 'worker', env: Record<string, string>, opsUrl: string): LoomProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${kind}/main.ts`], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = async (s: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(s);
    await exited;
  };
  return { name, child, stderr: () => stderr, opsUrl, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}

/** Polls `url` until it answers 200 (a process up and ready), or fails naming the process and its last output. */
export async function waitUntilUp(p: LoomProcess, path = '/healthz', timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited (${p.child.exitCode}): ${p.stderr().slice(-2_000)}`);
    const ok = await fetch(`${p.opsUrl}${path}`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${p.name} not up after ${timeoutMs} ms: ${p.stderr().slice(-2_000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One series of a Prometheus scrape: `name{process="..."} value` (labels ignored), 0 when absent. */
export async function scrapeValue(p: LoomProcess, name: string, token: string): Promise<number> {
  const text = await (await fetch(`${p.opsUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
