import { describe, expect, it } from 'vitest';
import { isPureExpression, parseTemplate, referencedNodes, templateStringsIn, TemplateError } from './expressions.js';

describe('templates', () => {
  it('splits text and expressions, keeping positions', () => {
    const segments = parseTemplate('Hi {{ $json.name }}!');
    expect(segments.map((s) => s.kind)).toEqual(['text', 'expression', 'text']);
    expect(segments[1]).toMatchObject({ source: ' $json.name ', start: 3, end: 19 });
    expect(isPureExpression(parseTemplate('{{ $json.n }}'))).toBe(true);
    expect(isPureExpression(segments)).toBe(false);
  });

  it('handles "}}" inside an object constructor', () => {
    const [only] = parseTemplate('{{ {"a": {"b": 1}} }}');
    expect(only).toMatchObject({ kind: 'expression', source: ' {"a": {"b": 1}} ' });
  });

  it('rejects unclosed, empty and unparsable expressions with a position', () => {
    expect(() => parseTemplate('x {{ $json')).toThrowError(TemplateError);
    expect(() => parseTemplate('{{ }}')).toThrowError(/Empty/);
    expect(() => parseTemplate('a {{ 1 + }} b')).toThrowError(expect.objectContaining({ position: 2 }));
  });

  it('finds node references, including quoted ids, and nothing else', () => {
    const refs = (text: string) => parseTemplate(text).flatMap((s) => (s.kind === 'expression' ? referencedNodes(s.expression) : []));
    expect(refs('{{ $node.fetch.body & $node.`my-node`.x & $json.node.other }}')).toEqual(['fetch', 'my-node']);
    expect(refs('{{ $count($node.list.items[price > 10]) }}')).toEqual(['list']);
  });

  it('finds the config strings that hold templates, with their paths, in config order', () => {
    const config = {
      url: 'https://x/{{ $json.id }}',
      method: 'GET',
      headers: { a: '{{ $json.a }}', b: 'plain' },
      list: ['x', ['{{ 1 }}']],
    };
    expect(templateStringsIn(config)).toEqual([
      { text: 'https://x/{{ $json.id }}', path: ['url'] },
      { text: '{{ $json.a }}', path: ['headers', 'a'] },
      { text: '{{ 1 }}', path: ['list', 1, 0] },
    ]);
    expect(templateStringsIn({})).toEqual([]);
    expect(templateStringsIn({ a: 'no template', b: [1, null, { c: true }] })).toEqual([]);
  });
});
