// The model's strict-output answer: its JSON Schema passes the strict-mode rules, and it decodes to the canonical
// operations (JSON-text values parsed, nulls dropped), refusing what is malformed with the operation's index.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { workflowDocumentJsonSchema } from '../../compiler/document.js';
import { decodeModelEdits, editResponseJsonSchema } from './edit-response.js';
import { applyEdits, editListJsonSchema } from './edits.js';
import { ordersDocument } from './fixtures.js';
import { openAiStrictProblems } from './strict-schema.js';

describe('editResponseJsonSchema', () => {
  it('is acceptable to OpenAI strict structured outputs', () => {
    expect(openAiStrictProblems(editResponseJsonSchema())).toEqual([]);
    expect(editResponseJsonSchema()).not.toHaveProperty('$schema');
    expect(JSON.stringify(editResponseJsonSchema())).not.toContain('"const"');
  });
});

describe('openAiStrictProblems', () => {
  it('names what strict mode refuses', () => {
    expect(openAiStrictProblems(editListJsonSchema())).toEqual(['/: the root must be an object schema (type "object", not anyOf)']);
    const loose = z.toJSONSchema(
      z
        .object({
          a: z.string().optional(),
          b: z.record(z.string(), z.unknown()),
          c: z.unknown(),
          d: z.string().min(2),
          e: z.discriminatedUnion('k', [z.object({ k: z.literal('x') }).strict()]),
        })
        .strict(),
    );
    expect(openAiStrictProblems(loose)).toEqual(
      expect.arrayContaining([
        '/properties/a: must be required (make it nullable instead of optional)',
        '/properties/b: additionalProperties must be false',
        '/properties/c: no type',
        '/properties/d/minLength: keyword not supported',
        '/properties/e/oneOf: keyword not supported',
      ]),
    );
    const deep = { type: 'object', properties: {}, required: [], additionalProperties: false } as Record<string, unknown>;
    let at = deep;
    for (let i = 0; i < 11; i++) {
      const next = { type: 'object', properties: {}, required: ['n'], additionalProperties: false };
      at.properties = { n: next };
      at.required = ['n'];
      at = next;
    }
    expect(openAiStrictProblems(deep)).toEqual([expect.stringContaining('nested deeper than 10')]);
    expect(
      openAiStrictProblems({
        type: 'object',
        properties: { f: { type: 'string', format: 'uri' } },
        required: ['f'],
        additionalProperties: false,
      }),
    ).toEqual(['/properties/f/format: "uri" not supported']);
  });

  it('the editor document schema is not strict-ready (the generation schema needs its own wire form)', () => {
    expect(openAiStrictProblems(workflowDocumentJsonSchema()).length).toBeGreaterThan(0);
  });
});

describe('decodeModelEdits', () => {
  it('turns the wire form into operations that apply', () => {
    const decoded = decodeModelEdits({
      operations: [
        {
          op: 'add_node',
          node: { id: 'notify', type: 'http.request', name: 'Notify Slack', configJson: '{"url":"https://hooks.slack.com/x"}' },
          after: 'big',
          afterHandle: null,
        },
        { op: 'set_config', nodeId: 'filter', path: 'conditions[0].right', valueJson: '500' },
        { op: 'connect', source: 'filter', target: 'notify', sourceHandle: 'false', targetHandle: null },
        { op: 'disconnect', source: 'start', target: 'fetch', sourceHandle: null },
        { op: 'remove_node', nodeId: 'start' },
        { op: 'rename', nodeId: 'big', name: 'Mark big' },
      ],
    });
    expect(decoded).toEqual({
      ok: true,
      operations: [
        {
          op: 'add_node',
          node: { id: 'notify', type: 'http.request', name: 'Notify Slack', config: { url: 'https://hooks.slack.com/x' } },
          after: 'big',
        },
        { op: 'set_config', nodeId: 'filter', path: 'conditions[0].right', value: 500 },
        { op: 'connect', source: 'filter', target: 'notify', sourceHandle: 'false' },
        { op: 'disconnect', source: 'start', target: 'fetch' },
        { op: 'remove_node', nodeId: 'start' },
        { op: 'rename', nodeId: 'big', name: 'Mark big' },
      ],
    });
    if (decoded.ok) expect(applyEdits(ordersDocument(), decoded.operations).ok).toBe(true);
  });

  it('refuses malformed answers with the index of the operation', () => {
    expect(decodeModelEdits([])).toMatchObject({ ok: false, code: 'EDIT_INVALID' });
    expect(decodeModelEdits({ operations: [{ op: 'rename', nodeId: 'a', name: 'b' }, { op: 'explode' }] })).toMatchObject({
      ok: false,
      index: 1,
      code: 'EDIT_INVALID',
    });
    expect(decodeModelEdits({ operations: [{ op: 'set_config', nodeId: 'a', path: 'x', valueJson: '{oops' }] })).toEqual({
      ok: false,
      index: 0,
      code: 'EDIT_INVALID',
      message: 'valueJson is not JSON text',
    });
    // Limits that strict mode leaves out of the schema are still enforced.
    expect(decodeModelEdits({ operations: [{ op: 'rename', nodeId: '', name: 'b' }] })).toMatchObject({
      ok: false,
      index: 0,
      code: 'EDIT_INVALID',
    });
    expect(
      decodeModelEdits({
        operations: [{ op: 'add_node', node: { id: 'n', type: 't', name: null, configJson: '[1]' }, after: null, afterHandle: null }],
      }),
    ).toMatchObject({
      ok: false,
      code: 'EDIT_INVALID',
    });
    const many = Array.from({ length: 101 }, () => ({ op: 'remove_node', nodeId: 'a' }));
    expect(decodeModelEdits({ operations: many })).toMatchObject({ ok: false, code: 'EDIT_TOO_MANY' });
  });
});
