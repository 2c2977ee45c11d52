import { describe, expect, it } from 'vitest';
import { NodeError } from './errors.js';
import { field } from './fields.js';
import { configInvalid, defineNode, parseConfig } from './node.js';

const node = defineNode({
  type: 'test.config',
  version: 1,
  displayName: 'Config',
  category: 'data',
  description: 'A node with two fields.',
  kind: 'pure',
  fields: { name: field.string({ label: 'Name', required: true }), count: field.number({ label: 'Count', min: 0, int: true }) },
  inputs: [],
  outputs: [],
  operations: () => ['pure'],
});

describe('parseConfig and configInvalid', () => {
  it('parses a config into the type its fields declare', () => {
    expect(parseConfig(node, { name: 'a', count: 2 })).toEqual({ ok: true, config: { name: 'a', count: 2 } });
  });

  it('names every refused field as path: message, joined by "; "', () => {
    const parsed = parseConfig(node, { name: '', count: -1 });
    if (parsed.ok) throw new Error('expected the config to be refused');
    const error = configInvalid(parsed.issues);
    expect(error).toBeInstanceOf(NodeError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', retryable: false });
    expect(error.message).toMatch(/^name: Name is required; count: /);
  });
});
