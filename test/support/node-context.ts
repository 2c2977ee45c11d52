// A real NodeContext for calling a node's execute() directly in a test: real HTTP client and SSRF guard,
// credentials from an in-memory map (the encrypted store is exercised by its own tests).
import { createHttpClientFactory, type HttpClientFactory } from '../../nodes/http/client.js';
import { NodeError } from '../../nodes/sdk/errors.js';
import type { NodeContext } from '../../nodes/sdk/node.js';

export interface TestNodeContext extends NodeContext {
  logs: { level: 'info' | 'warn' | 'error'; message: string; data?: Record<string, unknown> }[];
  progressReports: { message: string; fraction?: number }[];
  abort(): void;
  close(): Promise<void>;
}

export function createTestNodeContext(
  options: {
    credentials?: Record<string, { type: string; values: Record<string, string> }>;
    allowedHosts?: string[];
    timeoutMs?: number;
    http?: HttpClientFactory;
  } = {},
): TestNodeContext {
  const controller = new AbortController();
  const http = options.http ?? createHttpClientFactory({ allowedHosts: options.allowedHosts ?? ['127.0.0.1'] });
  const logs: TestNodeContext['logs'] = [];
  const progressReports: TestNodeContext['progressReports'] = [];
  const timeoutMs = options.timeoutMs ?? 60_000;
  const credentials = options.credentials ?? {};
  return {
    runId: 'run_test',
    nodeId: 'node_test',
    attempt: 1,
    idempotencyKey: 'loom-test-key',
    signal: controller.signal,
    timeoutMs,
    logs,
    progressReports,
    log: {
      info: (message, data) => logs.push({ level: 'info', message, ...(data ? { data } : {}) }),
      warn: (message, data) => logs.push({ level: 'warn', message, ...(data ? { data } : {}) }),
      error: (message, data) => logs.push({ level: 'error', message, ...(data ? { data } : {}) }),
    },
    credentials: {
      has: (slot) => credentials[slot] !== undefined,
      async get(slot) {
        const c = credentials[slot];
        if (!c) throw new NodeError('MISSING_CREDENTIAL', `No credential is attached to "${slot}"`);
        return c;
      },
    },
    http: http.forNode({ signal: controller.signal, timeoutMs }),
    progress: (message, fraction) => progressReports.push({ message, ...(fraction !== undefined ? { fraction } : {}) }),
    abort: () => controller.abort(),
    close: () => (options.http ? Promise.resolve() : http.close()),
  };
}
