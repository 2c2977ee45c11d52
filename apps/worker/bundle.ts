// The workflow bundle (webpack over workflows/) is built once per source version and cached on disk,
// so a worker start or a test run reuses it instead of paying several seconds of bundling each time.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../platform/temporal/failure-converter-path.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const WORKFLOWS_ENTRY = path.join(root, 'workflows', 'run.ts');

/** Everything the bundle can import from; a change in any of these makes a new bundle. */
const SOURCE_DIRS = ['workflows', 'compiler', 'nodes', 'activities', 'bench'];
const SOURCE_FILES = ['package-lock.json', 'platform/temporal/failure-converter.cjs'];

async function listSources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files = await Promise.all(
    entries.map(async (e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return listSources(full);
      return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [full] : [];
    }),
  );
  return files.flat();
}

export async function workflowSourceHash(entry: string = WORKFLOWS_ENTRY): Promise<string> {
  const files = [
    ...(await Promise.all(SOURCE_DIRS.map((d) => listSources(path.join(root, d))))).flat(),
    ...SOURCE_FILES.map((f) => path.join(root, f)),
  ].sort();
  const hash = createHash('sha256').update(path.relative(root, entry));
  for (const file of files) {
    hash.update(path.relative(root, file));
    hash.update(await readFile(file).catch(() => Buffer.alloc(0)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Returns the path of a bundle for the current sources, building it only when none is cached. */
export async function ensureWorkflowBundle(
  cacheDir: string,
  progress: (m: string) => void = () => undefined,
  entry: string = WORKFLOWS_ENTRY,
): Promise<string> {
  const hash = await workflowSourceHash(entry);
  const file = path.join(cacheDir, `workflow-bundle-${hash}.js`);
  if (
    await stat(file).then(
      () => true,
      () => false,
    )
  )
    return file;
  progress('Bundling workflow code (once per source change)...');
  const { code } = await bundleWorkflowCode({ workflowsPath: entry, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietLogger });
  await mkdir(cacheDir, { recursive: true });
  // Write then rename: a concurrent reader never sees half a bundle.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, code);
  await rename(tmp, file);
  await pruneOldBundles(cacheDir, file);
  return file;
}

/** Keeps the few newest bundles (another checkout or branch may still use them) and drops the rest. */
async function pruneOldBundles(cacheDir: string, keep: string): Promise<void> {
  const names = (await readdir(cacheDir).catch(() => [])).filter((n) => /^workflow-bundle-[0-9a-f]+\.js$/.test(n));
  const withTimes = await Promise.all(
    names.map(async (n) => ({ file: path.join(cacheDir, n), mtime: (await stat(path.join(cacheDir, n))).mtimeMs })),
  );
  const stale = withTimes
    .filter((b) => b.file !== keep)
    .sort((a, b) => b.mtime - a.mtime)
    .slice(4);
  await Promise.all(stale.map((b) => rm(b.file, { force: true })));
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), log: noop };
