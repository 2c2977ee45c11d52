// `loom validate FILE`: compiles a workflow document and prints every diagnostic; exit 1 when there are errors.
import { readFile } from 'node:fs/promises';
import { compile } from '../../compiler/compile.js';
import type { Diagnostic } from '../../compiler/diagnostics.js';
import { createNodeRegistry } from '../../nodes/registry.js';

function where(d: Diagnostic): string {
  if (d.nodeId) return ` [node ${d.nodeId}]`;
  if (d.edgeId) return ` [edge ${d.edgeId}]`;
  if (d.path && d.path.length > 0) return ` [${d.path.join('.')}]`;
  return '';
}

export async function validateCommand(args: string[]): Promise<number> {
  const file = args[0];
  if (!file) {
    process.stderr.write('Usage: loom validate FILE\n');
    return 2;
  }
  let document: unknown;
  try {
    document = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    process.stderr.write(`${file}: cannot read a JSON document: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const result = compile(document, { catalog: createNodeRegistry().catalog, credentials: [] });
  for (const d of [...result.errors, ...result.warnings]) {
    process.stdout.write(`${file}: ${d.severity} ${d.code}${where(d)}: ${d.message}\n`);
  }
  const summary = `${result.errors.length} error(s), ${result.warnings.length} warning(s)`;
  process.stdout.write(
    result.ok ? `${file}: ok (${summary}, plan ${result.plan?.hash.slice(0, 12)})\n` : `${file}: invalid (${summary})\n`,
  );
  return result.ok ? 0 : 1;
}
