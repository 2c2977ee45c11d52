// `loom validate FILE` as a user runs it: prints every diagnostic, exit 1 on errors, 0 when the workflow is valid.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

async function validate(document: unknown): Promise<{ code: number; stdout: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'loom-validate-'));
  const file = path.join(dir, 'workflow.json');
  await writeFile(file, typeof document === 'string' ? document : JSON.stringify(document));
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'apps/cli/main.ts', 'validate', file]);
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout + e.stderr };
  }
}

// Each case starts a process (tsx compiles the CLI on the way), which takes seconds on a loaded machine.
describe('loom validate', { timeout: 30_000 }, () => {
  it('exits 0 for a valid workflow', async () => {
    const result = await validate({
      name: 'ok',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'n', type: 'flow.noop' },
      ],
      edges: [{ id: 'e', source: 'start', target: 'n' }],
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ok \(0 error\(s\), 0 warning\(s\), plan [0-9a-f]{12}\)/);
  });

  it('prints every problem with its code and node, and exits 1', async () => {
    const result = await validate({
      nodes: [
        { id: 'a', type: 'flow.noop' },
        { id: 'b', type: 'nope' },
      ],
      edges: [{ id: 'e', source: 'a', target: 'ghost' }],
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('error NO_TRIGGER');
    expect(result.stdout).toContain('error UNKNOWN_NODE_TYPE [node b]');
    expect(result.stdout).toContain('error DANGLING_EDGE [edge e]');
  });

  it('exits 2 for a file that is not JSON', async () => {
    const result = await validate('{ nope');
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('cannot read a JSON document');
  });
});
