// Local servers that speak the real OpenAI Chat Completions and Ollama chat APIs, so the real `openai` and
// `ollama` clients are exercised end to end. Tests script the next answers and read what was sent.
import Fastify, { type FastifyInstance } from 'fastify';

export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  content?: string;
  error?: string;
  /** Wait this long before answering (a model that times out). */
  delayMs?: number;
}

export interface LlmPeer {
  url: string;
  requests: { path: string; headers: Record<string, string | string[] | undefined>; body: Record<string, unknown> }[];
  /** Queue answers; when the queue is empty the peer answers "ok". */
  script(...answers: ScriptedAnswer[]): void;
  /** Queue answers of the embedding endpoints (`content`: the dimensions to answer with; default 8). */
  scriptEmbeddings(...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

export async function startLlmPeer(): Promise<LlmPeer> {
  const app: FastifyInstance = Fastify();
  const requests: LlmPeer['requests'] = [];
  const queue: ScriptedAnswer[] = [];
  const embeddingQueue: ScriptedAnswer[] = [];

  app.post('/v1/chat/completions', async (req, reply) => {
    const body = req.body as { model: string; messages: { content: string }[] };
    requests.push({ path: req.url, headers: req.headers, body: body as unknown as Record<string, unknown> });
    const answer = queue.shift() ?? { content: 'ok' };
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (answer.status && answer.status >= 400) {
      return reply
        .status(answer.status)
        .headers(answer.headers ?? {})
        .send({ error: { message: answer.error ?? 'scripted failure', type: 'invalid_request_error', code: null } });
    }
    return {
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        { index: 0, message: { role: 'assistant', content: answer.content ?? 'ok', refusal: null }, logprobs: null, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
    };
  });

  app.post('/api/chat', async (req, reply) => {
    const body = req.body as { model: string };
    requests.push({ path: req.url, headers: req.headers, body: body as unknown as Record<string, unknown> });
    const answer = queue.shift() ?? { content: 'ok' };
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (answer.status && answer.status >= 400) return reply.status(answer.status).send({ error: answer.error ?? 'scripted failure' });
    return {
      model: body.model,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: answer.content ?? 'ok' },
      done: true,
      done_reason: 'stop',
      total_duration: 1_000_000,
      load_duration: 1,
      prompt_eval_count: 20,
      prompt_eval_duration: 1,
      eval_count: 7,
      eval_duration: 1,
    };
  });

  // Embeddings: a deterministic vector per input (its character codes folded into `dimensions` slots), 8 unless
  // scripted: an answer with `content` set to a number gives vectors of that many dimensions (a provider that
  // answers with the wrong size).
  const embedding = (text: string, dimensions: number) => {
    const v = new Array<number>(dimensions).fill(0);
    for (let i = 0; i < text.length; i++) v[i % dimensions]! += text.charCodeAt(i) / 1000;
    return v;
  };
  app.post('/v1/embeddings', async (req, reply) => {
    const body = req.body as { model: string; input: string | string[]; encoding_format?: string };
    requests.push({ path: req.url, headers: req.headers, body: body as unknown as Record<string, unknown> });
    const answer = embeddingQueue.shift() ?? {};
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (answer.status && answer.status >= 400)
      return reply
        .status(answer.status)
        .send({ error: { message: answer.error ?? 'scripted failure', type: 'invalid_request_error', code: null } });
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const dimensions = answer.content ? Number(answer.content) : 8;
    return {
      object: 'list',
      model: body.model,
      data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: embedding(text, dimensions) })),
      usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
    };
  });
  app.post('/api/embed', async (req, reply) => {
    const body = req.body as { model: string; input: string | string[] };
    requests.push({ path: req.url, headers: req.headers, body: body as unknown as Record<string, unknown> });
    const answer = embeddingQueue.shift() ?? {};
    if (answer.status && answer.status >= 400) return reply.status(answer.status).send({ error: answer.error ?? 'scripted failure' });
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const dimensions = answer.content ? Number(answer.content) : 8;
    return {
      model: body.model,
      embeddings: inputs.map((text) => embedding(text, dimensions)),
      total_duration: 1,
      load_duration: 1,
      prompt_eval_count: 1,
    };
  });

  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    requests,
    script: (...answers) => queue.push(...answers),
    scriptEmbeddings: (...answers) => embeddingQueue.push(...answers),
    close: () => app.close(),
  };
}
