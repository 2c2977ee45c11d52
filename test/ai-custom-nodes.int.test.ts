// The AI writes a custom node, through the real `openai` and `ollama` clients against local servers with scripted
// answers: every answer is judged by the upload's own check (in the sandbox), problems go back as repairs, and the
// source is never stored until the person uploads it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ollamaModel, openAiModel } from '../orchestrator/ai/model.js';
import { startLlmPeer, type LlmPeer } from './support/llm-peers.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let model: LlmPeer;

beforeAll(async () => {
  model = await startLlmPeer();
  stack = await startTestStack({
    ai: {
      models: new Map([
        ['scripted', openAiModel({ baseUrl: `${model.url}/v1`, apiKey: 'sk-test-key-for-the-peer', model: 'scripted' })],
        ['local', ollamaModel({ url: model.url, model: 'local' })],
      ]),
      local: undefined,
      maxRepairs: 2,
      timeoutMs: 5_000,
    },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await model?.close();
});
beforeEach(() => {
  model.requests.length = 0;
});

const answer = (source: string) => ({ content: JSON.stringify({ source, explanation: 'Creates a thing.' }) });
const GOOD = `import { defineNode, field } from '@loom/sdk';
export default defineNode({ type: 'ai.greeter', displayName: 'Greeter', fields: { name: field.string({ label: 'Name', required: true }) },
  operations: ['pure'], hosts: [], async execute(input, config) { return { greeting: 'hello ' + config.name }; } });`;

const generate = (payload: object) => stack.api.inject({ method: 'POST', url: '/v1/ai/custom-nodes/generate', payload });
const lastUserMessage = (i: number) => {
  const messages = model.requests[i]?.body.messages as { role: string; content: string }[];
  return messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
};

describe('POST /v1/ai/custom-nodes/generate', () => {
  it('repairs a source that does not parse, then one whose declaration is wrong, and answers the one that passes', async () => {
    model.script(
      answer('export default defineNode({ type: , })'),
      answer(`import { defineNode } from '@loom/sdk';\nexport default defineNode({ type: 'ai.greeter', async execute() {} });`),
      answer(GOOD),
    );
    const res = await generate({ prompt: 'A node that greets someone by name', model: 'scripted' });
    expect(res.statusCode, res.body).toBe(201);
    const draft = res.json<{ ok: boolean; source: string; rounds: number; declaration: { node: { type: string } }; issues: unknown[] }>();
    expect(draft).toMatchObject({ ok: true, source: GOOD, rounds: 3, issues: [], declaration: { node: { type: 'ai.greeter' } } });
    expect(lastUserMessage(1)).toContain('SYNTAX_ERROR at line 1');
    expect(lastUserMessage(2)).toContain('DECLARATION_INVALID at node.displayName');
    // The request is fenced as data; nothing was stored.
    expect(lastUserMessage(0)).toContain('greets someone');
    expect((await stack.api.inject({ method: 'GET', url: '/v1/custom-nodes' })).json<{ items: unknown[] }>().items).toEqual([]);
    // Uploading the answer is what makes it a node.
    const uploaded = await stack.api.inject({
      method: 'POST',
      url: '/v1/custom-nodes',
      payload: { language: 'typescript', source: draft.source },
    });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
  });

  it('never presents a source that still fails as a success: 422 with the source and its problems', async () => {
    const hostile = `for (;;) {}\nexport default 1;`;
    model.script(answer(hostile), answer(hostile), answer(hostile));
    const res = await generate({ prompt: 'Anything', model: 'scripted', language: 'javascript' });
    expect(res.statusCode, res.body).toBe(422);
    const body = res.json<{
      error: { code: string; details: { source: string; issues: { code: string; sandboxCode?: string }[]; rounds: number } };
    }>();
    expect(body.error.code).toBe('AI_DRAFT_INVALID');
    expect(body.error.details).toMatchObject({
      source: hostile,
      rounds: 3,
      issues: [{ code: 'EXTRACTION_FAILED', sandboxCode: 'CODE_TIMEOUT' }],
    });
  }, 60_000);

  it('writes Python through the ollama client too', async () => {
    const python = `from loom import Node, field

class Greeter(Node):
    node_type = 'ai.greeter_py'
    display_name = 'Greeter'
    fields = {'name': field.string(label='Name', required=True)}
    operations = ['pure']
    hosts = []

    async def execute(self, input, config, context):
        return {'greeting': 'hello ' + config['name']}
`;
    model.script(answer(python));
    const res = await generate({ prompt: 'Greet in Python', model: 'local', language: 'python' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ ok: true, language: 'python', declaration: { node: { type: 'ai.greeter_py' } } });
    expect(model.requests[0]?.path).toBe('/api/chat');
  }, 60_000);
});
