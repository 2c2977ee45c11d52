// Stack frames of a custom node in the lines its author wrote. esbuild reprints the module (types, blank lines and
// comments go), so the transpiler appends an inline source map (mappings only, no source text) and the frames of a
// failure are mapped back here: only on a failure, so a call that succeeds never parses the map.
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { CUSTOM_NODE_FILENAME } from './custom-javascript-guest.js';
import type { SandboxError } from './result.js';

const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/]+=*)\s*$/;
const FRAME = new RegExp(`${CUSTOM_NODE_FILENAME.replace('.', '\\.')}:(\\d+):(\\d+)`, 'g');

/** The error with its stack's positions in the author's source, when the module carries its map; else unchanged. */
export function inAuthorLines(error: SandboxError, source: string): SandboxError {
  if (!error.stack) return error;
  const map = inlineMap(source);
  if (!map) return error;
  const stack = error.stack.replace(FRAME, (frame, line: string, column: string) => {
    // V8 counts columns from 1, source maps from 0.
    const original = originalPositionFor(map, { line: Number(line), column: Number(column) - 1 });
    return original.source && original.line !== null ? `${original.source}:${original.line}:${original.column + 1}` : frame;
  });
  return { ...error, stack };
}

function inlineMap(source: string): TraceMap | undefined {
  const encoded = INLINE_MAP.exec(source.slice(-Math.min(source.length, 2_000_000)))?.[1];
  if (!encoded) return undefined;
  try {
    return new TraceMap(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}
