// Runs `temporal server start-dev` as a child process: Loom's embedded Temporal when TEMPORAL_ADDRESS is unset.
// State lives in a SQLite file under the data folder, so runs survive a restart of the stack.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { SearchAttributeList } from './connection.js';
import { devServerFlags, EMBEDDED_DYNAMIC_CONFIG, type DynamicConfig } from './dynamic-config.js';

export interface DevServerOptions {
  /** Path of the `temporal` binary; undefined falls back to the CLI that @temporalio/testing downloads. */
  binary: string | undefined;
  ip: string;
  port: number;
  /** undefined: no Web UI (tests). */
  uiPort: number | undefined;
  /** undefined: in-memory state (tests). */
  dbFilename: string | undefined;
  namespace: string;
  /** Registered at launch, so the first run can set them. */
  searchAttributes: SearchAttributeList;
  /** Where the server's own output goes; it is too chatty for the console. */
  logFile: string;
  readyTimeoutMs?: number;
  /** Default: Loom's (eager activities, raised queue read limits); benchmarks pass Temporal's defaults to compare. */
  dynamicConfig?: DynamicConfig;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

function serverArgs(o: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', o.ip, '--port', String(o.port), '--namespace', o.namespace, '--log-level', 'warn'];
  if (o.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort));
  if (o.dbFilename) args.push('--db-filename', o.dbFilename);
  for (const key of o.searchAttributes) args.push('--search-attribute', `${key.name}=${key.type}`);
  args.push(...devServerFlags(o.dynamicConfig ?? EMBEDDED_DYNAMIC_CONFIG));
  return args;
}

async function tail(file: string, lines = 15): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function waitUntilServing(address: string, child: ChildProcess, o: DevServerOptions): Promise<void> {
  const deadline = Date.now() + (o.readyTimeoutMs ?? 60_000);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  for (;;) {
    if (exited !== undefined) {
      throw new Error(
        `Temporal dev server exited with code ${exited} before it was ready. Its log (${o.logFile}):\n${await tail(o.logFile)}`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch {
      if (Date.now() > deadline)
        throw new Error(`Temporal dev server at ${address} not ready after ${o.readyTimeoutMs ?? 60_000} ms; see ${o.logFile}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const GUARDIAN = fileURLToPath(new URL('./guardian.mjs', import.meta.url));

async function startFromBinary(binary: string, o: DevServerOptions): Promise<DevServer> {
  const address = `${o.ip}:${o.port}`;
  // The guardian stops the server when this process ends in any way, a fatal error or SIGKILL included (an
  // 'exit' handler runs in neither), so no orphan keeps the port and the SQLite file. It writes the server's log.
  const child = spawn(process.execPath, [GUARDIAN, o.logFile, binary, ...serverArgs(o)], { stdio: ['pipe', 'ignore', 'inherit'] });
  try {
    await waitUntilServing(address, child, o);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: o.uiPort === undefined ? undefined : `http://${o.ip}:${o.uiPort}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Last resort on a machine without Go: the Temporal CLI that @temporalio/testing downloads and caches. */
async function startFromDownload(o: DevServerOptions): Promise<DevServer> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      ip: o.ip,
      port: o.port,
      ui: o.uiPort !== undefined,
      ...(o.uiPort !== undefined ? { uiPort: o.uiPort } : {}),
      ...(o.dbFilename ? { dbFilename: o.dbFilename } : {}),
      namespace: o.namespace,
      searchAttributes: [...o.searchAttributes],
      extraArgs: devServerFlags(o.dynamicConfig ?? EMBEDDED_DYNAMIC_CONFIG),
    },
  });
  return {
    address: env.address,
    uiUrl: o.uiPort === undefined ? undefined : `http://${o.ip}:${o.uiPort}`,
    stop: () => env.teardown(),
  };
}

export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  return o.binary ? startFromBinary(o.binary, o) : startFromDownload(o);
}
