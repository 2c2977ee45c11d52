// Issue #11, item 2: `$length($pad("", 200000000, "xy"))` ended the worker with a fatal V8 "invalid size" error.
// Every route to a huge value now fails fast with EXPRESSION_LIMIT (non-retryable), and the process lives on.
import { describe, expect, it } from 'vitest';
import { resolveString, type ExpressionScope } from '../../nodes/expressions/evaluate.js';

const scope: ExpressionScope = { json: { s: 'abc', n: 3 }, node: {}, run: { id: 'run_1' }, vars: {} };
const big = '$pad("", 5000000, "x")';

/** Each builds (or would build) far past the 10M-character bound, by a different built-in or operator. */
const routes: Record<string, string> = {
  'the reported $pad': '$length($pad("", 200000000, "xy"))',
  '$pad to the left': '$pad("a", -300000000)',
  '$join with a long separator': `$join([1..1000] ~> $map(function($v){ "a" }), ${big})`,
  '$join of many copies': `($b := ${big}; $join([$b, $b, $b, $b, $b, $b], ""))`,
  '& doubling': `($b := ${big}; $b & $b & $b)`,
  '$string of a value shared many times': `($b := ${big}; $string([$b, $b, $b]))`,
  '$string prettified of a deep value': '$string($reduce([1..400], function($a, $v){ {"k": [$a, $a, $a]} }, 1), true)',
  'doubling an array by sharing': '$reduce([1..40], function($a, $v){ [$a, $a] }, [1]) ~> $string() ~> $length()',
  '$replace with a long replacement': `$replace($pad("", 100000, "a"), "a", $pad("", 1000, "b"))`,
  '$replace with $0 references': `$replace($pad("", 200000, "a"), /a+/, "${'$0'.repeat(100)}")`,
  '$replace by a function': `$replace($pad("", 100000, "a"), /a/, function($m){ $pad("", 1000, "c") })`,
  '$formatNumber of a huge picture': `$formatNumber(1, ${big} & ${big} & "0")`,
  'a range of ten million': '[1..10000000] ~> $count()',
  '$append of shared halves': `($b := [1..500000]; $append($append($b, $b), $append($b, $b)) ~> $count())`,
  '$zip of large arrays': `($b := [1..300000]; $zip($b, $b, $b, $b) ~> $count())`,
  '$map gathering results of tail calls': `$map([1..1000], function($v){ ${big} }) ~> $count()`,
  'a path step over an array': `[1..1000].(${big}) ~> $count()`,
  '$filter keeping large items': `($b := [1..1000].{"v": $}; $filter($b, function($x){ $pad("", 3000000) != "" }) ~> $count())`,
  '$spread of a wide object': `$spread($merge($map([1..300000], function($v){ {"k" & $v: $v} }))) ~> $count()`,
  'a value nested 10000 deep': '$reduce([1..10000], function($a, $v){ [[$a]] }, 1)',
  'deep recursion (not a tail call)': '($f := function($n){ $f($n + 1) + 1 }; $f(0))',
  'through $eval (which wraps the errors of what it evaluates)': '$eval("$pad(\\"\\", 300000000)")',
  'a runaway loop through $eval': '$eval("($f := function($n){ $f($n + 1) }; $f(0))")',
};

describe('expression size bounds', () => {
  for (const [name, expression] of Object.entries(routes)) {
    it(`${name}: EXPRESSION_LIMIT, fast`, async () => {
      const started = performance.now();
      await expect(resolveString(`{{ ${expression} }}`, scope)).rejects.toMatchObject({ code: 'EXPRESSION_LIMIT', retryable: false });
      expect(performance.now() - started).toBeLessThan(3_000);
      // The process survived and evaluates the next expression as usual.
      expect(await resolveString('{{ $json.n * 2 }}', scope)).toBe(6);
    });
  }

  it('leaves ordinary large-ish values alone', async () => {
    expect(await resolveString('{{ $length($pad("", 1000000, "xy")) }}', scope)).toBe(1_000_000);
    expect(await resolveString('{{ $count([1..100000]) }}', scope)).toBe(100_000);
    expect(await resolveString('{{ $replace("a-b-c", "-", "+") }}', scope)).toBe('a+b+c');
    expect(await resolveString('{{ $replace("2024-01-02", /(\\d+)-(\\d+)-(\\d+)/, "$3.$2.$1") }}', scope)).toBe('02.01.2024');
    expect(await resolveString('{{ $join(["a", "b"], ", ") }}', scope)).toBe('a, b');
    expect(await resolveString('{{ $string({"a": [1]}, true) }}', scope)).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(await resolveString('{{ $spread([{"a": 1, "b": 2}, {"c": 3}]) }}', scope)).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
    expect(await resolveString('{{ $distinct([1, 2, 1, "x", "x"]) }}', scope)).toEqual([1, 2, 'x']);
    expect(await resolveString('{{ $distinct([{"a": 1}, {"a": 1}]) }}', scope)).toEqual([{ a: 1 }]);
    expect(await resolveString('{{ ($f := function($n){ $n = 0 ? 0 : $f($n - 1) + 1 }; $f(100)) }}', scope)).toBe(100);
  });
});
