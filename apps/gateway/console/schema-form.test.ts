import { describe, expect, it } from 'vitest';
import { checkFormAnswer } from '../../../workflows/form-answer.js';
import { fieldErrors, formToValue, renderable, renderSchemaFields } from './schema-form.js';

const FORM = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', title: 'Name', minLength: 2, maxLength: 20, pattern: '^[A-Za-z]+$' },
    count: { type: 'integer', minimum: 1, maximum: 10 },
    ratio: { type: 'number' },
    size: { type: 'string', enum: ['small', 'large'] },
    urgent: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
    scores: { type: 'array', items: { type: 'number' } },
    address: { type: 'object', properties: { city: { type: 'string' }, zip: { type: 'string' } } },
    lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer' } } } },
  },
};

describe('schema forms', () => {
  it('render a field for every kind, with the constraints as HTML attributes', () => {
    const out = renderSchemaFields(FORM).value;
    expect(out).toContain('name="f.name"');
    expect(out).toMatch(/id="f-name"[^>]*minlength="2"[^>]*maxlength="20"[^>]*pattern="\^\[A-Za-z\]\+\$"[^>]*required/s);
    expect(out).toMatch(/name="f.count"[^>]*type="number"[^>]*step="1"[^>]*min="1"[^>]*max="10"/s);
    expect(out).toContain('<select id="f-size" name="f.size"');
    expect(out).toContain('type="checkbox" id="f-urgent" name="f.urgent"');
    expect(out).toContain('<textarea id="f-tags" name="f.tags"');
    expect(out).toContain('name="f.address.city"');
    expect(out).toContain('name="f.lines.2.qty"');
    expect(out).toContain('<label for="f-name">Name');
  });

  it('turn posted fields into the document, which the workflow check accepts', () => {
    const value = formToValue(FORM, {
      'f.name': 'Ada',
      'f.count': '3',
      'f.ratio': '0.5',
      'f.size': 'large',
      'f.urgent': 'on',
      'f.tags': 'red\r\n\r\n blue \n',
      'f.scores': '1\n2.5',
      'f.address.city': 'Paris',
      'f.address.zip': '',
      'f.lines.0.sku': 'A1',
      'f.lines.0.qty': '2',
      'f.lines.1.sku': '',
      'f.lines.2.qty': '7',
    });
    expect(value).toEqual({
      name: 'Ada',
      count: 3,
      ratio: 0.5,
      size: 'large',
      urgent: true,
      tags: ['red', 'blue'],
      scores: [1, 2.5],
      address: { city: 'Paris' },
      lines: [{ sku: 'A1', qty: 2 }, { qty: 7 }],
    });
    expect(checkFormAnswer(FORM, JSON.stringify(value))).toMatchObject({ ok: true });
  });

  it('leave what is not a number as text, so the check reports it beside its field', () => {
    const value = formToValue(FORM, { 'f.name': 'A', 'f.count': 'twelve' });
    const checked = checkFormAnswer(FORM, JSON.stringify(value));
    expect(checked.ok).toBe(false);
    const errors = fieldErrors(checked.ok ? [] : checked.problems);
    expect([...errors.keys()].sort()).toEqual(['count', 'name']);
    const page = renderSchemaFields(FORM, { 'f.name': 'A', 'f.count': 'twelve' }, errors).value;
    expect(page).toMatch(/id="f-count-error"\s*>[^<]+</);
    expect(page).toContain('value="twelve"');
  });

  it('give each form of a page its own ids', () => {
    const out = renderSchemaFields(FORM, {}, new Map(), 'f-req_1').value;
    expect(out).toContain('id="f-req_1-name"');
    expect(out).toContain('<label for="f-req_1-name">');
    expect(out).toContain('name="f.name"');
  });

  it('follow propertyOrder where given, then the stored order', () => {
    const out = renderSchemaFields({
      type: 'object',
      properties: {
        zz: { type: 'string' },
        b: { type: 'string', propertyOrder: 2 },
        aaa: { type: 'string', propertyOrder: 1 },
        c: { type: 'string' },
      },
    }).value;
    const at = (name: string) => out.indexOf(`name="f.${name}"`);
    expect([at('aaa'), at('b'), at('zz'), at('c')]).toEqual([...[at('aaa'), at('b'), at('zz'), at('c')]].sort((x, y) => x - y));
    expect(at('c')).toBeGreaterThan(at('zz'));
  });

  it('escape titles, descriptions, enum values and posted values', () => {
    const out = renderSchemaFields(
      { type: 'object', properties: { x: { type: 'string', title: '<b>T</b>', description: '"><script>', enum: ['<i>'] } } },
      { 'f.x': '"><img>' },
    ).value;
    expect(out).not.toMatch(/<b>|<script>|<i>|<img>/);
    expect(out).toContain('&lt;b&gt;T&lt;/b&gt;');
  });

  it('take no prototype from posted names or schema keys', () => {
    const schema = { type: 'object', properties: { __proto__: { type: 'string' }, constructor: { type: 'string' } } };
    const value = formToValue(
      JSON.parse(JSON.stringify(schema)) as Record<string, unknown>,
      JSON.parse('{"f.__proto__":"x","f.constructor":"y"}'),
    );
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as { x?: unknown }).x).toBeUndefined();
  });

  it('refuse to render hostile schemas (too deep, too many fields, outside the subset) and fall back to JSON', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 10_000; i++) deep = { type: 'object', properties: { a: deep } };
    const started = Date.now();
    expect(renderable(deep)).toBe(false);
    const wide = {
      type: 'object',
      properties: Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, { type: 'string' }])),
    };
    expect(renderable(wide)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(renderable({ type: 'object', properties: { a: { type: 'null' } } })).toBe(false);
    expect(renderable({ type: 'object', properties: { a: { anyOf: [] } } })).toBe(false);
    expect(renderable({ type: 'string' })).toBe(false);
    expect(renderable(FORM)).toBe(true);
  });
});
