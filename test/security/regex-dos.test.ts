// Issue #11, item 8: `$match("aaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)` blocked the event loop for 6.6 s, doubling with
// every added "a". Expressions now match on RE2 (linear time); ordinary patterns behave as JavaScript's RegExp did.
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { parseTemplate, TemplateError } from '../../compiler/expressions.js';
import { LinearRegExp } from '../../compiler/regex-engine.js';
import { resolveString, type ExpressionScope } from '../../nodes/expressions/evaluate.js';

const scope: ExpressionScope = { json: {}, node: {}, run: { id: 'run_1' }, vars: {} };

describe('regular expressions cannot backtrack', () => {
  const bombs = ['/(a+)+$/', '/(a|a)*$/', '/(a|aa)+$/', '/^(a+)+b/', '/(.*a){20}/', '/(\\w+\\s?)+$/'];
  const subject = `"${'a'.repeat(5_000)}!"`;
  for (const pattern of bombs) {
    it(`${pattern} against 5000 "a"s and a "!" ends within 1 s, in $match, $replace, $split and $contains`, async () => {
      for (const call of [
        `$match(${subject}, ${pattern})`,
        `$replace(${subject}, ${pattern}, "x")`,
        `$split(${subject}, ${pattern})`,
        `$contains(${subject}, ${pattern})`,
      ]) {
        const started = performance.now();
        await resolveString(`{{ ${call} }}`, scope);
        expect(performance.now() - started, call).toBeLessThan(1_000);
      }
    });
  }

  it('refuses at parse time what RE2 cannot run in linear time (backreferences, lookaround)', () => {
    for (const pattern of ['/(a)\\1/', '/a(?=b)/', '/(?<!x)y/'])
      expect(() => parseTemplate(`{{ $match("ab", ${pattern}) }}`), pattern).toThrow(TemplateError);
  });
});

describe('ordinary patterns behave as with JavaScript RegExp', () => {
  const patterns = [
    '/[0-9]+/',
    '/(\\d{4})-(\\d{2})-(\\d{2})/',
    '/^hello/i',
    '/o(r|l)/',
    '/\\s+/',
    '/[A-Z][a-z]*/',
    '/^.*$/m',
    '/(?<user>[^@]+)@(?<host>.+)/',
    '/a|b|c/',
    '/x?y*/',
    '/\\bword\\b/i',
    '/[^\\w\\s]/',
    '/\\./',
  ];
  const subjects = [
    '2024-01-02 and 1999-12-31',
    'Hello world, hello World',
    'line one\nline two',
    'ada@example.com',
    'a b  c\td',
    'word, Word; sword!',
    'no digits here',
    'yyyxyy',
    '',
  ];
  const functions = ['$match(s, p)', '$replace(s, p, "<$0>")', '$split(s, p)', '$contains(s, p)', '$replace(s, p, "[$1]", 2)'];

  it('gives the same answers for $match, $replace, $split and $contains', async () => {
    for (const p of patterns) {
      for (const s of subjects) {
        for (const f of functions) {
          const source = `($s := ${JSON.stringify(s)}; ${f.replaceAll('s,', '$s,').replace('(s)', '($s)').replace(', p', `, ${p}`)})`;
          let native: unknown;
          try {
            native = JSON.parse(JSON.stringify((await jsonata(source).evaluate({})) ?? null));
          } catch (err) {
            native = { failed: Boolean((err as { code?: string }).code) };
          }
          let linear: unknown;
          try {
            linear = (await resolveString(`{{ ${source} }}`, scope)) ?? null;
          } catch (err) {
            linear = { failed: (err as { code?: string }).code === 'EXPRESSION_FAILED' };
          }
          expect(linear, source).toEqual(native);
        }
      }
    }
  });

  it('keeps lastIndex as a global RegExp does', () => {
    const re = new LinearRegExp(/b+/g);
    const native = /b+/g;
    for (const input of ['abbcbd', 'bbb', 'xyz']) {
      for (let i = 0; i < 4; i++) {
        const a = re.exec(input);
        const b = native.exec(input);
        expect(a && [...a], input).toEqual(b && [...b]);
        expect(a?.index).toBe(b?.index);
        expect(re.lastIndex).toBe(native.lastIndex);
      }
    }
  });
});
