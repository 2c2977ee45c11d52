// The output shapes of the node families that declare them beside execute() (LLM, database, files, knowledge, loops
// and batches): a reader's typo downstream is UNKNOWN_FIELD with the name it meant, a path the node gives is not,
// and what the node cannot know (a row's columns, a loop's results) is never refused.
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/compile.js';
import { createNodeRegistry } from './registry.js';

const ctx = {
  catalog: createNodeRegistry().catalog,
  credentials: [
    { id: 'cred_openai', type: 'openAiApi' },
    { id: 'cred_ollama', type: 'ollamaApi' },
    { id: 'cred_pg', type: 'postgres' },
  ],
};

/** A data.set that reads each path, one assignment per path. */
const reader = (id: string, paths: string[], extra: Record<string, unknown> = {}) => ({
  id,
  type: 'data.set',
  config: { assignments: paths.map((p, i) => ({ name: `v${i}`, value: `{{ ${p} }}` })) },
  ...extra,
});

/** start -> node -> read (reading `paths`); the paths' UNKNOWN_FIELD warnings as [path, suggestion]. */
function unknownFields(node: Record<string, unknown>, paths: string[]) {
  const doc = {
    nodes: [{ id: 'start', type: 'trigger.manual' }, node, reader('read', paths)],
    edges: [
      { id: 'e1', source: 'start', target: node.id },
      { id: 'e2', source: node.id, target: 'read' },
    ],
  };
  return warned(doc);
}
function warned(doc: object) {
  const result = compile(doc, ctx);
  expect(result.errors).toEqual([]);
  return result.warnings
    .filter((w) => w.code === 'UNKNOWN_FIELD')
    .map((w) => [w.details?.path, w.details?.suggestion ?? null] as [unknown, unknown]);
}

describe('llm.openai and llm.ollama', () => {
  const sentiment = {
    type: 'object',
    properties: { sentiment: { type: 'string' }, score: { type: 'number' } },
    required: ['sentiment', 'score'],
    additionalProperties: false,
  };
  const ask = (type: string, config: Record<string, unknown> = {}) => ({
    id: 'ask',
    type,
    config: { model: 'm', prompt: 'Classify {{ $json.text }}', ...config },
    credentials: type === 'llm.openai' ? { openai: 'cred_openai' } : { ollama: 'cred_ollama' },
  });

  it('text, model, usage and safety are known; a typo in them warns', () => {
    for (const type of ['llm.openai', 'llm.ollama'])
      expect(
        unknownFields(ask(type), [
          '$json.text',
          '$json.model',
          '$json.finishReason',
          '$json.usage.totalTokens',
          '$json.safety.flagged',
          '$json.txet',
          '$json.usage.totalTokns',
          '$node.ask.modle',
        ]),
      ).toEqual([
        ['$json.txet', 'text'],
        ['$json.usage.totalTokns', 'totalTokens'],
        ['$node.ask.modle', 'model'],
      ]);
  });

  it("a JSON answer has the schema's shape; a text answer has no json, and no citations without a knowledge context", () => {
    const json = ask('llm.openai', { responseFormat: 'json_schema', jsonSchema: sentiment });
    expect(unknownFields(json, ['$json.json.sentiment', '$json.json.score', '$json.json.sentimnet'])).toEqual([
      ['$json.json.sentimnet', 'sentiment'],
    ]);
    expect(unknownFields(ask('llm.ollama'), ['$json.json', '$json.citations'])).toEqual([
      ['$json.json', null],
      ['$json.citations', null],
    ]);
    // A format chosen at run time may give JSON: nothing refused there.
    const either = ask('llm.openai', { responseFormat: '{{ $json.format }}', jsonSchema: sentiment });
    expect(unknownFields(either, ['$json.json.score'])).toEqual([]);
  });

  it('with a knowledge context, citations carry their source; the citation itself is open', () => {
    const cited = ask('llm.openai', { context: { knowledgeBase: 'kb_1', query: 'q' } });
    expect(
      unknownFields(cited, ['$json.citations.n', '$json.citations.source.title', '$json.citations.citation.page', '$json.citations.sorce']),
    ).toEqual([['$json.citations.sorce', 'source']]);
  });
});

describe('db.postgres', () => {
  const query = { id: 'db', type: 'db.postgres', config: { query: 'select * from customers' }, credentials: { postgres: 'cred_pg' } };

  it("rows are the statement's (any column); the fields around them are known", () => {
    expect(
      unknownFields(query, [
        '$json.rows.name',
        '$json.rows[0].anything',
        '$json.rowCount',
        '$json.fields.dataTypeId',
        '$json.row',
        '$json.rowcount',
      ]),
    ).toEqual([
      ['$json.row', 'rows'],
      ['$json.rowcount', 'rowCount'],
    ]);
  });
});

describe('files.read and files.write', () => {
  it('a read file is its metadata and its text or its table: a field of either is known, one of neither warns', () => {
    const read = { id: 'file', type: 'files.read', config: { fileId: 'file_1' } };
    expect(
      unknownFields(read, [
        '$json.file.name',
        '$json.text',
        '$json.pages.page',
        '$json.rows.amount',
        '$json.sheets.name',
        '$json.truncated',
        '$json.file.nmae',
        '$json.colums',
      ]),
    ).toEqual([
      ['$json.file.nmae', 'name'],
      ['$json.colums', 'columns'],
    ]);
  });

  it("a written file's id is under file", () => {
    const write = { id: 'save', type: 'files.write', config: { name: 'a.txt', content: '{{ $json }}' } };
    expect(unknownFields(write, ['$json.file.id', '$json.file.size', '$json.id'])).toEqual([['$json.id', null]]);
  });
});

describe('knowledge.search', () => {
  it('hits carry text, score, source and an open citation', () => {
    const search = { id: 'find', type: 'knowledge.search', config: { knowledgeBase: 'kb_1', query: 'q' } };
    expect(
      unknownFields(search, [
        '$json.query',
        '$json.hits.text',
        '$json.hits.source.id',
        '$json.hits.citation.rows',
        '$json.hit',
        '$json.hits.scroe',
      ]),
    ).toEqual([
      ['$json.hit', 'hits'],
      ['$json.hits.scroe', 'score'],
    ]);
  });
});

describe('flow.for_each and flow.batch', () => {
  const start = {
    id: 'start',
    type: 'trigger.manual',
    config: {
      inputSchema: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: { type: 'object', properties: { id: { type: 'number' }, name: { type: 'string' } }, additionalProperties: false },
          },
        },
      },
    },
  };
  const edge = (source: string, target: string, sourceHandle = 'out') => ({
    id: `${source}-${sourceHandle}-${target}`,
    source,
    sourceHandle,
    target,
  });
  /** start -> loop; loop.item -> body (reads bodyPaths); loop.done -> after (reads afterPaths). */
  const loop = (onItemError: string, bodyPaths: string[], afterPaths: string[]) =>
    warned({
      nodes: [
        start,
        { id: 'loop', type: 'flow.for_each', config: { items: '{{ $json.items }}', onItemError } },
        reader('body', bodyPaths, { parent: 'loop' }),
        reader('after', afterPaths),
      ],
      edges: [edge('start', 'loop'), edge('loop', 'body', 'item'), edge('loop', 'after', 'done')],
    });

  it("the body's entry receives one item of the list; in the body, $node.<loop> is that item, not the loop's output", () => {
    expect(loop('collect', ['$json.name', '$json.id', '$json.nmae', '$node.loop.name', '$node.loop.nmae'], [])).toEqual([
      ['$json.nmae', 'name'],
      ['$node.loop.nmae', 'name'],
    ]);
  });

  it('done carries the results (unknown), or under collect the results beside the errors', () => {
    expect(loop('stop', [], ['$json.anything', '$node.loop.whatever'])).toEqual([]);
    expect(
      loop('collect', [], ['$json.results', '$json.errors.index', '$json.errors.error.code', '$json.resluts', '$node.loop.erorrs']),
    ).toEqual([
      ['$json.resluts', 'results'],
      ['$node.loop.erorrs', 'errors'],
    ]);
    // A policy chosen at run time may be either: nothing refused.
    expect(loop('{{ $json.policy }}', [], ['$json.results', '$json.anything'])).toEqual([]);
  });

  it('a batch is a list of lists of the items', () => {
    const doc = {
      nodes: [
        start,
        { id: 'batch', type: 'flow.batch', config: { items: '{{ $json.items }}', size: 2 } },
        reader('read', ['$json.name', '$json.nmae']),
      ],
      edges: [edge('start', 'batch'), edge('batch', 'read')],
    };
    expect(warned(doc)).toEqual([['$json.nmae', 'name']]);
  });
});
