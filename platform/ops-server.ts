// The operations listener: /metrics, /healthz and /readyz on a port of their own (LOOM_METRICS_PORT), for the worker
// (which serves nothing else) and for a gateway whose operator keeps metrics off the API port. Plain node:http: three
// fixed routes need no framework, and the listener must stay up when everything else is busy.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from './health.js';

export interface OpsServerOptions {
  host: string;
  port: number;
  /** Set: /metrics requires `Authorization: Bearer <token>`. Health answers anyone (orchestrators probe without one). */
  token: string | undefined;
  metrics: () => Promise<{ contentType: string; body: string }>;
  ready: () => Promise<Readiness>;
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

/** Whether a request may read /metrics: any when no token is configured, else only the bearer of it. */
export function metricsAuthorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req: IncomingMessage, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
    };
    const json = (status: number, value: unknown) => answer(status, 'application/json', JSON.stringify(value));
    if (req.method !== 'GET') return json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'GET only' } });
    if (path === '/healthz') return json(200, { status: 'ok' });
    if (path === '/readyz') {
      return void options.ready().then(
        (r) => json(r.status === 'ok' ? 200 : 503, r),
        (err: unknown) => json(503, { status: 'unavailable', error: String(err) }),
      );
    }
    if (path === '/metrics') {
      if (!metricsAuthorized(req.headers.authorization, options.token)) {
        return json(401, { error: { code: 'UNAUTHENTICATED', message: 'Send "Authorization: Bearer <LOOM_METRICS_TOKEN>"' } });
      }
      return void options.metrics().then(
        (m) => answer(200, m.contentType, m.body),
        (err: unknown) => json(500, { error: { code: 'INTERNAL', message: String(err) } }),
      );
    }
    return json(404, { error: { code: 'ROUTE_NOT_FOUND', message: `No route GET ${path}` } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
