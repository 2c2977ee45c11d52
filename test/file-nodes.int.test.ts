// The file nodes in runs (issue #16): a CSV of quarterly sales uploaded through the API, a workflow whose files.read
// and a JSONata data.set answer the Q3 total, files.write saving the report as a new file of the owner; another
// user's file id is FILE_NOT_FOUND in their run, and a write past the owner's file limit fails the node, storing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from '../db/file-store.js';
import { readFileNode, writeFileNode } from '../nodes/files/file-nodes.js';
import { edge } from './support/documents.js';
import { multipartBody } from './support/multipart.js';
import { declaredOutputShape, shapeViolations } from './support/shape-conformance.js';
import { runToEnd } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';
import type { Api, TestUser } from './support/users.js';

let stack: TestStack;
let other: TestUser;
beforeAll(async () => {
  // The main user is enterprise, with a file limit small enough for a run to cross it.
  stack = await startTestStack({ enterpriseFiles: { fileBytes: 200, storedBytes: 100_000 } });
  other = await stack.createUser({ name: 'other', tier: 'free' });
}, 60_000);
afterAll(() => stack?.close(), 30_000);

async function upload(api: Api, name: string, text: string): Promise<string> {
  const body = multipartBody({ filename: name, contentType: 'text/csv' }, Buffer.from(text));
  const res = await api.inject({ method: 'POST', url: '/v1/files', ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

const q3Workflow = (fileId: string, reportName = 'q3-report.txt', content = 'Q3 total: {{ $json.total }}') => ({
  name: 'q3',
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'read', type: 'files.read', config: { fileId } },
    {
      id: 'total',
      type: 'data.set',
      config: { keepInput: false, assignments: [{ name: 'total', value: "{{ $sum($json.rows[quarter = 'Q3'].amount) }}" }] },
    },
    { id: 'save', type: 'files.write', config: { name: reportName, content } },
  ],
  edges: [edge('start', 'read'), edge('read', 'total'), edge('total', 'save')],
});

describe('file nodes', () => {
  it("reads an uploaded CSV's rows, answers the Q3 total, and saves the report as the owner's file", async () => {
    const fileId = await upload(stack.api, 'sales.csv', 'quarter,amount\nQ2,300\nQ3,1200\nQ3,800\nQ4,500\n');
    const run = await runToEnd(stack.api, q3Workflow(fileId));
    expect(run.status, JSON.stringify(run.error)).toBe('completed');
    const read = run.nodes.find((n) => n.nodeId === 'read')!.output as { file: { id: string }; kind: string; columns: string[] };
    expect(read).toMatchObject({ file: { id: fileId }, kind: 'table', columns: ['quarter', 'amount'] });
    expect(run.nodes.find((n) => n.nodeId === 'total')!.output).toEqual({ total: 2000 });
    const saved = (run.output as { save: { file: { id: string; name: string; contentType: string } } }).save.file;
    expect(saved).toMatchObject({ name: 'q3-report.txt', contentType: 'text/plain' });
    const content = await stack.api.inject({ method: 'GET', url: `/v1/files/${saved.id}/content` });
    expect(content.body).toBe('Q3 total: 2000');
    // What the compiler checks readers against is what the nodes gave.
    expect(shapeViolations(declaredOutputShape(readFileNode, { fileId }), read)).toEqual([]);
    expect(shapeViolations(declaredOutputShape(writeFileNode, { name: 'a', content: 'b' }), { file: saved })).toEqual([]);
  });

  it("keeps another user's file out of a run: FILE_NOT_FOUND, and nothing of theirs is read", async () => {
    const fileId = await upload(stack.api, 'secret-sales.csv', 'quarter,amount\nQ3,999999\n');
    const run = await runToEnd(stack.as(other), q3Workflow(fileId));
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect(JSON.stringify(run)).not.toContain('999999');
  });

  it("fails a write past the owner's file limit with FILE_TOO_LARGE and stores nothing", async () => {
    const fileId = await upload(stack.api, 'small.csv', 'quarter,amount\nQ3,1\n');
    const before = (await listFiles(stack.database.db, { ownerId: stack.user.id, limit: 100 })).length;
    const run = await runToEnd(stack.api, q3Workflow(fileId, 'big.txt', "{{ $pad('', 500, 'x') }}"));
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'FILE_TOO_LARGE' });
    expect((await listFiles(stack.database.db, { ownerId: stack.user.id, limit: 100 })).length).toBe(before);
  });
});
