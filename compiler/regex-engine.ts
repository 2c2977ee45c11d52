// The regular-expression engine of every expression: RE2 (re2js), whose matching time is linear in the input, so no
// pattern can backtrack for seconds (`/(a+)+$/` against "aaaa…!"). JSONata is given this class as its `RegexEngine`;
// it only ever calls `new RegexEngine(regexLiteral)`, sets `lastIndex`, and calls `exec(str)`, reading `[i]`,
// `index` and then `lastIndex` again (the `g` semantics: the next search starts where the last match ended).
// Patterns RE2 cannot run in linear time (backreferences, lookaround) are refused when the expression is parsed.
// No Node built-ins: bundled into the workflow sandbox with the compiler.
import { RE2JS } from 're2js';

/** The match array JSONata reads: the whole match and the groups (undefined when a group did not take part). */
type LinearMatch = (string | undefined)[] & { index: number; input: string };

const compiled = new Map<string, RE2JS>();
const COMPILED_LIMIT = 1_000;

function compile(source: string, flags: string): RE2JS {
  const key = `${flags}/${source}`;
  let re = compiled.get(key);
  if (!re) {
    const options = (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes('m') ? RE2JS.MULTILINE : 0);
    // translateRegExp turns JavaScript syntax RE2 spells differently (named groups, \/, \uXXXX) into RE2's.
    re = RE2JS.compile(RE2JS.translateRegExp(source), options);
    if (compiled.size >= COMPILED_LIMIT) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, re);
  }
  return re;
}

export class LinearRegExp {
  lastIndex = 0;
  private readonly re: RE2JS;
  readonly source: string;
  readonly flags: string;

  constructor(pattern: RegExp | string, flags?: string) {
    this.source = typeof pattern === 'string' ? pattern : pattern.source;
    this.flags = flags ?? (typeof pattern === 'string' ? '' : pattern.flags);
    this.re = compile(this.source, this.flags);
  }

  exec(input: string): LinearMatch | null {
    if (this.lastIndex > input.length) {
      this.lastIndex = 0;
      return null;
    }
    const matcher = this.re.matcher(input);
    if (!matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let g = 0; g <= matcher.groupCount(); g++) groups.push(matcher.group(g) ?? undefined);
    const start = matcher.start();
    // As a global RegExp does: a zero-length match leaves lastIndex where it is (JSONata detects and refuses that).
    this.lastIndex = matcher.end();
    return Object.assign(groups, { index: start, input });
  }
}

/** Throws with RE2's reason when a regex literal cannot run on the linear-time engine. */
export function assertLinearRegex(pattern: RegExp): void {
  try {
    compile(pattern.source, pattern.flags);
  } catch (err) {
    throw new Error(
      `Regular expression /${pattern.source}/ is not supported (${err instanceof Error ? err.message : String(err)}); backreferences and lookaround are not available`,
      { cause: err },
    );
  }
}
