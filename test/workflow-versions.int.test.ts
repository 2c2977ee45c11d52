// Workflow versions (issue #14, first part): every save keeps a version; an update names the version it was made
// from and is a 409 when another save came first; old versions are read and restored as new ones; another user
// sees none of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edge } from './support/documents.js';
import { startTestStack, type TestStack } from './support/stack.js';
import type { TestUser } from './support/users.js';

let stack: TestStack;
let other: TestUser;
beforeAll(async () => {
  stack = await startTestStack();
  other = await stack.createUser({ name: 'other' });
});
afterAll(async () => stack?.close());

const doc = (name: string, message = 'hello') => ({
  name,
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'set', type: 'data.set', config: { assignments: [{ name: 'message', value: message }] } },
  ],
  edges: [edge('start', 'set')],
});

async function create(name = 'versions'): Promise<string> {
  const res = await stack.api.inject({ method: 'POST', url: '/v1/workflows', payload: doc(name) });
  expect(res.statusCode, res.body).toBe(201);
  expect(res.headers.etag).toBe('"1"');
  return res.json<{ id: string }>().id;
}
const put = (id: string, body: object, headers: Record<string, string> = {}, query = '') =>
  stack.api.inject({ method: 'PUT', url: `/v1/workflows/${id}${query}`, payload: body, headers });

describe('workflow versions', () => {
  it('keeps every save: listed newest first, each readable as it was saved', async () => {
    const id = await create('v');
    expect((await put(id, doc('v', 'second'))).statusCode).toBe(200);
    const third = await put(id, doc('v renamed', 'third'));
    expect(third.json()).toMatchObject({ version: 3, name: 'v renamed' });
    expect(third.headers.etag).toBe('"3"');

    const list = await stack.api.inject({ method: 'GET', url: `/v1/workflows/${id}/versions` });
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: { version: number; name: string }[] }>().items.map((v) => [v.version, v.name])).toEqual([
      [3, 'v renamed'],
      [2, 'v'],
      [1, 'v'],
    ]);
    const first = await stack.api.inject({ method: 'GET', url: `/v1/workflows/${id}/versions/1` });
    expect(first.json()).toMatchObject({ version: 1, document: doc('v') });
    expect((await stack.api.inject({ method: 'GET', url: `/v1/workflows/${id}/versions/9` })).statusCode).toBe(404);
  });

  it('refuses a save made from an older version with 409 VERSION_CONFLICT, by If-Match or baseVersion', async () => {
    const id = await create();
    // Two editors load version 1; the first saves, the second is told the workflow moved on.
    expect((await put(id, doc('a', 'first editor'), { 'if-match': '"1"' })).statusCode).toBe(200);
    const late = await put(id, doc('a', 'second editor'), { 'if-match': '"1"' });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ error: { code: 'VERSION_CONFLICT', details: { currentVersion: 2 } } });
    expect((await put(id, doc('a', 'again'), {}, '?baseVersion=1')).statusCode).toBe(409);
    // Nothing of the refused saves was kept.
    const current = await stack.api.inject({ method: 'GET', url: `/v1/workflows/${id}` });
    expect(current.json()).toMatchObject({ version: 2, document: doc('a', 'first editor') });
    expect(current.headers.etag).toBe('"2"');
    // From the current version, and with a weak ETag, it saves.
    expect((await put(id, doc('a', 'rebased'), { 'if-match': 'W/"2"' })).json()).toMatchObject({ version: 3 });
    expect((await put(id, doc('a', 'rebased'), {}, '?baseVersion=3')).json()).toMatchObject({ version: 4 });
  });

  it('answers a malformed If-Match or a disagreeing baseVersion with 400, and saves nothing', async () => {
    const id = await create();
    for (const header of ['3', '"x"', '"0"', `"${'9'.repeat(30)}"`, '"1", "2"'])
      expect((await put(id, doc('b'), { 'if-match': header })).statusCode, header).toBe(400);
    expect((await put(id, doc('b'), { 'if-match': '"1"' }, '?baseVersion=2')).statusCode).toBe(400);
    expect((await put(id, doc('b'), {}, '?baseVersion=-1')).statusCode).toBe(400);
    expect((await stack.api.inject({ method: 'GET', url: `/v1/workflows/${id}/versions/abc` })).statusCode).toBe(400);
    expect((await stack.api.inject({ method: 'GET', url: `/v1/workflows/${id}` })).json()).toMatchObject({ version: 1 });
  });

  it('saves two concurrent updates from the same version as one success and one 409', async () => {
    const id = await create();
    const results = await Promise.all(['x', 'y', 'z'].map((m) => put(id, doc('c', m), { 'if-match': '"1"' })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
    const versions = await stack.api.inject({ method: 'GET', url: `/v1/workflows/${id}/versions` });
    expect(versions.json<{ items: unknown[] }>().items).toHaveLength(2);
  });

  it('restores an old version as the next one, compiled again', async () => {
    const id = await create('r');
    await put(id, doc('r', 'changed'));
    const restored = await stack.api.inject({ method: 'POST', url: `/v1/workflows/${id}/versions/1/restore` });
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json()).toMatchObject({ version: 3, document: doc('r') });
    const stale = await stack.api.inject({ method: 'POST', url: `/v1/workflows/${id}/versions/1/restore`, headers: { 'if-match': '"2"' } });
    expect(stale.statusCode).toBe(409);
  });

  it("shows another user none of it: the owner's versions are 404 to read, list, restore and update", async () => {
    const id = await create('private');
    const as = stack.as(other);
    expect((await as.inject({ method: 'GET', url: `/v1/workflows/${id}/versions` })).statusCode).toBe(404);
    expect((await as.inject({ method: 'GET', url: `/v1/workflows/${id}/versions/1` })).statusCode).toBe(404);
    expect((await as.inject({ method: 'POST', url: `/v1/workflows/${id}/versions/1/restore` })).statusCode).toBe(404);
    expect(
      (await as.inject({ method: 'PUT', url: `/v1/workflows/${id}`, payload: doc('stolen'), headers: { 'if-match': '"1"' } })).statusCode,
    ).toBe(404);
    const mine = await stack.api.inject({ method: 'GET', url: `/v1/workflows/${id}` });
    expect(mine.json()).toMatchObject({ version: 1, name: 'private' });
  });
});
