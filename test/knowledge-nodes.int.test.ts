// Knowledge in runs (issue #16): a CSV uploaded and added to a knowledge base as a file source, ingested with its
// rows cited; knowledge.search finds the Q3 rows in a run; an LLM node with a knowledge `context` gets the passages
// fenced as data in its prompt (the scripted model server sees them) and cites them in its output; another user's
// knowledge base is KNOWLEDGE_BASE_NOT_FOUND in their run and none of its text reaches them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knowledgeSearchNode } from '../nodes/knowledge/search-node.js';
import { openAiNode } from '../nodes/llm/openai.js';
import { edge } from './support/documents.js';
import { startLlmPeer, type LlmPeer } from './support/llm-peers.js';
import { settledSource } from './support/knowledge.js';
import { multipartBody } from './support/multipart.js';
import { runToEnd } from './support/runs.js';
import { declaredOutputShape, shapeViolations } from './support/shape-conformance.js';
import { startTestStack, type TestStack } from './support/stack.js';
import type { TestUser } from './support/users.js';

let stack: TestStack;
let other: TestUser;
let model: LlmPeer;
let kbId: string;

const settled = settledSource;

beforeAll(async () => {
  model = await startLlmPeer();
  stack = await startTestStack();
  other = await stack.createUser({ name: 'other' });
  const csv = 'region,quarter,amount\nNorth,Q2,300\nNorth,Q3,1200\nSouth,Q3,800\nSouth,Q4,500\n';
  const file = await stack.api.inject({
    method: 'POST',
    url: '/v1/files',
    ...multipartBody({ filename: 'sales.csv', contentType: 'text/csv' }, Buffer.from(csv)),
  });
  expect(file.statusCode, file.body).toBe(201);
  const kb = await stack.api.inject({
    method: 'POST',
    url: '/v1/knowledge-bases',
    payload: { name: 'sales', embedding: { provider: 'offline', model: 'hash-v1', dimensions: 256 } },
  });
  expect(kb.statusCode, kb.body).toBe(201);
  kbId = kb.json<{ id: string }>().id;
  const source = await stack.api.inject({
    method: 'POST',
    url: `/v1/knowledge-bases/${kbId}/sources`,
    payload: { fileId: file.json<{ id: string }>().id },
  });
  expect(source.statusCode, source.body).toBe(202);
  expect(await settled(stack.api, kbId, source.json<{ id: string }>().id)).toMatchObject({ status: 'ready' });
}, 90_000);
afterAll(async () => {
  await stack?.close();
  await model?.close();
});

const searchDoc = (kb: string) => ({
  name: 'search',
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'find', type: 'knowledge.search', config: { knowledgeBase: kb, query: 'Q3 amount', topK: 3 } },
  ],
  edges: [edge('start', 'find')],
});

describe('knowledge in runs', () => {
  it('searches a file source in a run: the Q3 rows come back with their source and row citation', async () => {
    const run = await runToEnd(stack.api, searchDoc(kbId));
    expect(run.status, JSON.stringify(run.error)).toBe('completed');
    const { hits } = (run.output as { find: { hits: { text: string; source: { title: string }; citation: Record<string, unknown> }[] } })
      .find;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]!.text).toContain('1200');
    expect(hits[0]!.source.title).toBe('sales.csv');
    expect(hits[0]!.citation).toHaveProperty('rows');
    // What the compiler checks readers against is what the node gave.
    const config = searchDoc(kbId).nodes[1]!.config!;
    expect(shapeViolations(declaredOutputShape(knowledgeSearchNode, config), (run.output as { find: unknown }).find)).toEqual([]);
  });

  it('gives an LLM node the passages as fenced data and cites them in its output', async () => {
    const cred = await stack.api.inject({
      method: 'POST',
      url: '/v1/credentials',
      payload: { type: 'openAiApi', name: 'peer', values: { apiKey: 'sk-peer-key', baseUrl: `${model.url}/v1` } },
    });
    expect(cred.statusCode, cred.body).toBe(201);
    model.script({ content: 'Q3 sales were 2000 [1].' });
    const run = await runToEnd(stack.api, {
      name: 'ask',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        {
          id: 'ask',
          type: 'llm.openai',
          credentials: { openai: cred.json<{ id: string }>().id },
          config: { model: 'scripted', prompt: 'What were total Q3 sales?', context: { knowledgeBase: kbId, query: 'Q3 amount', topK: 3 } },
        },
      ],
      edges: [edge('start', 'ask')],
    });
    expect(run.status, JSON.stringify(run.error)).toBe('completed');
    const out = (run.output as { ask: { text: string; citations: { n: number; source: { title: string } }[] } }).ask;
    expect(out.text).toBe('Q3 sales were 2000 [1].');
    expect(out.citations[0]).toMatchObject({ n: 1, source: { title: 'sales.csv' } });
    const sent = JSON.stringify(model.requests.at(-1)!.body);
    expect(sent).toContain('untrusted data');
    expect(sent).toContain('1200');
    const asked = { model: 'scripted', prompt: 'p', context: { knowledgeBase: kbId, query: 'Q3 amount', topK: 3 } };
    expect(shapeViolations(declaredOutputShape(openAiNode, asked), out)).toEqual([]);
  });

  it('cites the page of a PDF source and the text of a DOCX source', async () => {
    const { readFile } = await import('node:fs/promises');
    const add = async (name: string, type: string) => {
      const bytes = await readFile(new URL(`./fixtures/files/${name}`, import.meta.url));
      const up = await stack.api.inject({
        method: 'POST',
        url: '/v1/files',
        ...multipartBody({ filename: name, contentType: type }, bytes),
      });
      expect(up.statusCode, up.body).toBe(201);
      const source = await stack.api.inject({
        method: 'POST',
        url: `/v1/knowledge-bases/${kbId}/sources`,
        payload: { fileId: up.json<{ id: string }>().id },
      });
      expect(await settled(stack.api, kbId, source.json<{ id: string }>().id)).toMatchObject({ status: 'ready' });
    };
    await add('report.pdf', 'application/pdf');
    await add('memo.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    const search = async (query: string) => {
      const res = await stack.api.inject({ method: 'POST', url: `/v1/knowledge-bases/${kbId}/search`, payload: { query, topK: 3 } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ hits: { text: string; source: { title: string }; citation: { page?: number } }[] }>().hits;
    };
    const regions = await search('regions North South');
    const pdfHit = regions[0]!;
    expect(pdfHit).toMatchObject({ source: { title: 'report.pdf' }, citation: { page: 2 } });
    const target = await search('Q3 target units');
    expect(target.find((h) => h.source.title === 'memo.docx')?.text).toContain('The Q3 target is 1200 units.');
  });

  it("keeps another user's knowledge base out of their run: KNOWLEDGE_BASE_NOT_FOUND, none of its text", async () => {
    const run = await runToEnd(stack.as(other), searchDoc(kbId));
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'KNOWLEDGE_BASE_NOT_FOUND' });
    expect(JSON.stringify(run)).not.toContain('1200');
  });
});
