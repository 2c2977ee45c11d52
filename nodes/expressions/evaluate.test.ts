import { describe, expect, it } from 'vitest';
import { NodeError } from '../sdk/errors.js';
import { resolveConfig, resolveString, type ExpressionScope } from './evaluate.js';

const scope: ExpressionScope = {
  json: { name: 'Ada', count: 3, tags: ['a', 'b'] },
  node: { fetch: { body: { items: [{ id: 7 }] } }, 'my-node': { ok: true } },
  run: { id: 'run_1' },
  vars: { region: 'eu' },
};

describe('resolveString', () => {
  it('keeps the type of a whole-string expression', async () => {
    expect(await resolveString('{{ $json.count }}', scope)).toBe(3);
    expect(await resolveString('{{ $json.tags }}', scope)).toEqual(['a', 'b']);
    expect(await resolveString('{{ $node.fetch.body.items[0] }}', scope)).toEqual({ id: 7 });
    expect(await resolveString('{{ $node.`my-node`.ok }}', scope)).toBe(true);
  });

  it('interpolates mixed text', async () => {
    expect(await resolveString('Hi {{ $json.name }}, {{ $json.count * 2 }} items in {{ $vars.region }} ({{ $run.id }})', scope)).toBe(
      'Hi Ada, 6 items in eu (run_1)',
    );
    expect(await resolveString('obj={{ {"a": 1} }}', scope)).toBe('obj={"a":1}');
    expect(await resolveString('missing=[{{ $json.nope }}]', scope)).toBe('missing=[]');
  });

  it('binds $ to the input', async () => {
    expect(await resolveString('{{ $.name }}', scope)).toBe('Ada');
  });

  it('leaves strings without templates alone', async () => {
    expect(await resolveString('plain {text}', scope)).toBe('plain {text}');
  });

  it('fails with EXPRESSION_FAILED on bad syntax or runtime errors', async () => {
    await expect(resolveString('{{ 1 + }}', scope)).rejects.toMatchObject({ code: 'EXPRESSION_FAILED' });
    await expect(resolveString('{{ $number("x") }}', scope)).rejects.toBeInstanceOf(NodeError);
  });

  it('stops a runaway expression by its step budget', async () => {
    const loop = '{{ ($f := function($n){ $n > 0 ? $f($n - 1) : 0 }; $f(1000000)) }}';
    await expect(resolveString(loop, scope)).rejects.toMatchObject({ code: 'EXPRESSION_LIMIT', retryable: false });
  });

  it('cannot reach the host: no eval, no process, no constructor tricks', async () => {
    expect(await resolveString('{{ $eval("1+1") }}', scope)).toBe(2); // JSONata's own $eval evaluates JSONata, not JavaScript
    await expect(resolveString('{{ $eval("process") }}', scope)).resolves.toBeUndefined();
    expect(await resolveString('{{ $json.constructor }}', scope)).toBeUndefined();
  });
});

describe('resolveConfig', () => {
  it('resolves templates at any depth and keeps other values', async () => {
    const config = {
      url: 'https://x/{{ $json.name }}',
      headers: { 'x-count': '{{ $string($json.count) }}' },
      list: ['{{ $json.count }}', 5],
      flag: true,
    };
    expect(await resolveConfig(config, scope)).toEqual({ url: 'https://x/Ada', headers: { 'x-count': '3' }, list: [3, 5], flag: true });
  });
});
