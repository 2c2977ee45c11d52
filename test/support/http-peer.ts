// A real local HTTP server for nodes to call, recording every request it receives.
import Fastify, { type FastifyInstance } from 'fastify';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface HttpPeer {
  app: FastifyInstance;
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startHttpPeer(register: (app: FastifyInstance) => void): Promise<HttpPeer> {
  const app = Fastify();
  const requests: RecordedRequest[] = [];
  app.addHook('onRequest', async (req) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers, body: undefined, at: Date.now() });
  });
  app.addHook('preHandler', async (req) => {
    const last = requests.at(-1);
    if (last) last.body = req.body;
  });
  register(app);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, requests, close: () => app.close() };
}
