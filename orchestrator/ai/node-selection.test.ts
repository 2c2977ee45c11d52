// Node selection over the real palette (built from the registry as the gateway builds it) and over custom entries.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/registry.js';
import { BASIC_NODE_TYPES, DEFAULT_MAX_NODE_TYPES, selectNodeTypes, stem, type PaletteNodeType } from './node-selection.js';

const palette: PaletteNodeType[] = createNodeRegistry()
  .all()
  .map((d) => ({ type: d.type, displayName: d.displayName, description: d.description, category: d.category }));
const always = ['trigger.manual', 'trigger.webhook', 'trigger.schedule', ...BASIC_NODE_TYPES];
const extras = (prompt: string, max?: number) =>
  selectNodeTypes(prompt, palette, max === undefined ? {} : { max })
    .map((e) => e.type)
    .filter((t) => !always.includes(t));

describe('selectNodeTypes', () => {
  it('always offers the triggers and the basic nodes, even for a prompt that names nothing', () => {
    const types = selectNodeTypes('hello there', palette).map((e) => e.type);
    expect(types.sort()).toEqual([...always].sort());
  });

  const cases: [string, string[]][] = [
    ['Every morning fetch the orders from our API and post a summary to Slack', ['http.request', 'llm.openai', 'llm.ollama']],
    [
      'When a webhook arrives, insert the row into Postgres and ask the manager to approve it',
      ['db.postgres', 'human.approval', 'human.question'],
    ],
    ['Run a python script on each item of the list', ['code.javascript', 'code.python', 'flow.for_each']],
    ['Summarize the support tickets with a local model on Ollama', ['llm.openai', 'llm.ollama']],
    ['Send an email to the sales team', ['http.request']],
    ['Query the database every hour and wait 10 minutes before retrying', ['flow.wait', 'db.postgres']],
    ['Split the customers into batches of 50 and call the CRM API for each batch', ['http.request', 'flow.for_each', 'flow.batch']],
    [
      'Classify each review with GPT, then have someone approve the negative ones',
      ['llm.openai', 'llm.ollama', 'human.approval', 'flow.for_each'],
    ],
  ];
  it.each(cases)('%s', (prompt, expected) => {
    expect(extras(prompt).sort()).toEqual([...expected].sort());
  });

  it('matches word forms: plurals and tenses', () => {
    expect(extras('emails are sent once approved')).toEqual(expect.arrayContaining(['http.request', 'human.approval']));
    expect(stem('summarizes')).toBe(stem('summarize'));
    expect(stem('classes')).toBe('class');
    expect(stem('class')).toBe('class');
  });

  it('finds a custom node by its name, and prefers it by score when the list is capped', () => {
    const custom: PaletteNodeType[] = [
      ...palette,
      {
        type: 'slack.post_message',
        displayName: 'Slack: post a message',
        description: 'Posts a message to a Slack channel.',
        category: 'communication',
      },
      { type: 'crm.lookup', displayName: 'CRM lookup', description: 'Finds a contact in the CRM by email address.', category: 'crm' },
    ];
    const types = selectNodeTypes('Post a message to Slack when a new contact is found in the CRM', custom).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['slack.post_message', 'crm.lookup', 'http.request']));
    const capped = selectNodeTypes('Post a message to Slack when a new contact is found in the CRM', custom, {
      max: always.length + 1,
    }).map((e) => e.type);
    expect(capped.filter((t) => !always.includes(t))).toEqual(['slack.post_message']);
  });

  it('holds limited entries to their quota: never offered by default, even as triggers, and at most their max', () => {
    const users: PaletteNodeType[] = Array.from({ length: 8 }, (_, i) => ({
      type: `custom.u1.api_${i}.fetch`,
      displayName: `API ${i}: fetch`,
      description: 'Fetches from the API.',
      category: i === 0 ? 'trigger' : 'network',
    }));
    const limited = { test: (e: PaletteNodeType) => e.type.startsWith('custom.'), max: 3 };
    const none = selectNodeTypes('hello there', [...palette, ...users], { limited }).map((e) => e.type);
    expect(none.sort()).toEqual([...always].sort());
    const picked = selectNodeTypes('fetch from the api', [...palette, ...users], { max: 100, limited }).map((e) => e.type);
    expect(picked.filter((t) => t.startsWith('custom.'))).toHaveLength(3);
    // Built-ins the prompt asks for are still there.
    expect(picked).toContain('http.request');
    // Unlimited, the same prompt takes all of them.
    expect(
      selectNodeTypes('fetch from the api', [...palette, ...users], { max: 100 }).filter((e) => e.type.startsWith('custom.')),
    ).toHaveLength(8);
  });

  it('respects max for what it adds, never dropping the triggers and basic nodes, and keeps palette order', () => {
    const prompt =
      'fetch from the api, run javascript and python, summarize with gpt, store in postgres, ask and approve, for each item, in batches, then wait, read the uploaded csv, save a report file, search the knowledge base';
    expect(extras(prompt)).toHaveLength(DEFAULT_MAX_NODE_TYPES - always.length);
    expect(
      selectNodeTypes(prompt, palette, { max: 3 })
        .map((e) => e.type)
        .sort(),
    ).toEqual([...always].sort());
    const order = palette.map((e) => e.type);
    const picked = selectNodeTypes(prompt, palette, { max: 100 }).map((e) => e.type);
    expect(picked).toEqual(order.filter((t) => picked.includes(t)));
    expect(picked).toHaveLength(palette.length);
  });

  it('is deterministic and only returns palette entries', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 0, max: 30 }), (prompt, max) => {
        const once = selectNodeTypes(prompt, palette, { max });
        expect(selectNodeTypes(prompt, palette, { max })).toEqual(once);
        for (const e of once) expect(palette).toContain(e);
      }),
    );
    expect(selectNodeTypes('anything', [])).toEqual([]);
  });
});
