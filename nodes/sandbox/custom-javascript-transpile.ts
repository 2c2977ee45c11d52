// An uploaded custom node's source (TypeScript or JavaScript) as the ES module the sandbox compiles: esbuild's
// transform, one file, no bundling (the module imports only '@loom/sdk', which the sandbox answers), no type check
// (types never reach the sandbox; the declaration is validated as data). Problems come back with line and column.
import { transform, type Message } from 'esbuild';
import { sandboxError, type SandboxError } from './result.js';

/** An upload over this is refused before it is parsed: a node is one file, not a bundle. */
export const MAX_CUSTOM_SOURCE_BYTES = 256 * 1024;

export type CustomNodeLanguage = 'typescript' | 'javascript';

export interface SourceProblem {
  message: string;
  /** 1-based, as an editor counts. */
  line: number;
  /** 1-based. */
  column: number;
}

export type TranspileResult = { ok: true; code: string } | { ok: false; error: SandboxError; problems: SourceProblem[] };

/** The file name problems are reported under (esbuild echoes it; the sandbox compiles the output as custom-node.js). */
const SOURCE_FILE = { typescript: 'custom-node.ts', javascript: 'custom-node.js' } as const;

export async function transpileCustomNode(source: string, language: CustomNodeLanguage): Promise<TranspileResult> {
  const bytes = Buffer.byteLength(source);
  if (bytes > MAX_CUSTOM_SOURCE_BYTES) {
    return {
      ok: false,
      error: sandboxError('CODE_INVALID_REQUEST', `the source is ${bytes} bytes (limit ${MAX_CUSTOM_SOURCE_BYTES})`),
      problems: [],
    };
  }
  try {
    const result = await transform(source, {
      loader: language === 'typescript' ? 'ts' : 'js',
      format: 'esm',
      // What the isolate's V8 runs natively, so nothing is lowered into helpers the author never wrote.
      target: 'es2022',
      sourcefile: SOURCE_FILE[language],
      // Errors are reported in the author's lines (custom-javascript-lines.ts); the map carries no copy of the source.
      sourcemap: 'inline',
      sourcesContent: false,
      // isolated-vm does not wait for a module's top-level await, and a node has nothing to await while it loads.
      supported: { 'top-level-await': false },
      logLevel: 'silent',
    });
    return { ok: true, code: result.code };
  } catch (err) {
    const problems = errorsOf(err).map(problemOf);
    const first = problems[0];
    const detail = first ? `${first.message} (line ${first.line}, column ${first.column})` : String(err);
    return { ok: false, error: sandboxError('CODE_SYNTAX_ERROR', detail), problems };
  }
}

function errorsOf(err: unknown): Message[] {
  if (err !== null && typeof err === 'object' && 'errors' in err && Array.isArray(err.errors)) return err.errors as Message[];
  return [];
}

// esbuild counts lines from 1 and columns from 0.
function problemOf(message: Message): SourceProblem {
  return { message: message.text, line: message.location?.line ?? 1, column: (message.location?.column ?? 0) + 1 };
}
