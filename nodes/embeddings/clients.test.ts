// The OpenAI and Ollama embedders through their real clients, against a local server speaking both protocols.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLlmPeer, type LlmPeer } from '../../test/support/llm-peers.js';
import { KnowledgeError } from '../knowledge/errors.js';
import { ollamaEmbedder } from './ollama.js';
import { openAiEmbedder } from './openai.js';

let peer: LlmPeer;
beforeAll(async () => {
  peer = await startLlmPeer();
});
afterAll(() => peer?.close());

async function failure(promise: Promise<unknown>): Promise<KnowledgeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KnowledgeError);
  return err as KnowledgeError;
}

describe.each([
  [
    'openai',
    (dimensions: number) => openAiEmbedder({ apiKey: 'sk-unit', baseUrl: `${peer.url}/v1`, model: 'emb', dimensions }),
    '/v1/embeddings',
  ],
  ['ollama', (dimensions: number) => ollamaEmbedder({ host: peer.url, model: 'emb', dimensions }), '/api/embed'],
] as const)('the %s embedder', (_name, make, path) => {
  it('embeds a batch in one call, one vector per text in order', async () => {
    const before = peer.requests.length;
    const vectors = await make(8).embed(['a', 'bb', 'ccc']);
    expect(vectors).toHaveLength(3);
    expect(vectors.every((v) => v.length === 8)).toBe(true);
    expect(vectors[0]![0]).toBeCloseTo(0.097, 6); // 'a' is 97 in the peer's deterministic vector
    expect(peer.requests.slice(before).map((r) => r.path)).toEqual([path]);
    expect(peer.requests.at(-1)!.body).toMatchObject({ model: 'emb', input: ['a', 'bb', 'ccc'] });
  });

  it('refuses vectors of another size than the knowledge base has (EMBEDDING_DIMENSION_MISMATCH)', async () => {
    peer.scriptEmbeddings({ content: '12' });
    const err = await failure(make(8).embed(['x']));
    expect(err.code).toBe('EMBEDDING_DIMENSION_MISMATCH');
    expect(err.retryable).toBe(false);
  });

  it('maps a server failure to the retryable EMBEDDING_FAILED and a refusal to EMBEDDING_REFUSED', async () => {
    peer.scriptEmbeddings({ status: 503 });
    expect(await failure(make(8).embed(['x']))).toMatchObject({ code: 'EMBEDDING_FAILED', retryable: true });
    peer.scriptEmbeddings({ status: 404, error: 'model not found' });
    expect(await failure(make(8).embed(['x']))).toMatchObject({ code: 'EMBEDDING_REFUSED', retryable: false });
  });
});

it('sends the OpenAI key as a bearer token and asks for floats', async () => {
  await openAiEmbedder({ apiKey: 'sk-unit', baseUrl: `${peer.url}/v1`, model: 'emb', dimensions: 8 }).embed(['x']);
  const sent = peer.requests.at(-1)!;
  expect(sent.headers.authorization).toBe('Bearer sk-unit');
  expect(sent.body.encoding_format).toBe('float');
});
