// `loom rotate-key [--generate] [--batch-size N]`: re-seals every credential under the current master key, so the
// previous keys can be retired. `--generate` (embedded stack only) first replaces the data folder's key file.
import { parseArgs } from 'node:util';
import { reencryptCredentials } from '../../db/credential-rotation.js';
import { databaseTarget, openDatabase, type DatabaseHandle } from '../../db/client.js';
import { DatabaseInUseError } from '../../db/data-dir-lock.js';
import { loadConfig } from '../../platform/config.js';
import { generateMasterKeyFile, masterKeyFiles, openKeyring } from '../../platform/keyring.js';
import { keyIdOf, SecretError } from '../../platform/secrets.js';

const USAGE = 'Usage: loom rotate-key [--generate] [--batch-size N]\n';

export async function rotateKeyCommand(args: string[]): Promise<number> {
  let flags: { generate: boolean; batchSize: number };
  try {
    const { values } = parseArgs({
      args,
      options: { generate: { type: 'boolean', default: false }, 'batch-size': { type: 'string', default: '100' } },
      strict: true,
    });
    flags = { generate: values.generate, batchSize: Number(values['batch-size']) };
    if (!Number.isInteger(flags.batchSize) || flags.batchSize < 1) throw new Error('--batch-size must be a positive integer');
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }

  const config = loadConfig();
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (flags.generate && config.masterKey) {
    process.stderr.write(
      "--generate replaces the data folder's key file, but LOOM_MASTER_KEY is set.\n" +
        'Generate a key yourself (openssl rand -base64 32), set it as LOOM_MASTER_KEY with the old one in\n' +
        'LOOM_MASTER_KEY_PREVIOUS, restart Loom, then run `loom rotate-key`.\n',
    );
    return 2;
  }

  // The database first: an embedded one that Loom has open is refused here, before any key file changes.
  let database: DatabaseHandle;
  try {
    database = await openDatabase(databaseTarget(config));
  } catch (err) {
    if (!(err instanceof DatabaseInUseError)) throw err;
    process.stderr.write(
      `${err.message}\nWith the embedded database, stop \`npm start\` first; runs in flight resume when it starts again.\n`,
    );
    return 1;
  }
  try {
    if (flags.generate) {
      const { current, replaced } = await generateMasterKeyFile(config.dataDir);
      const files = masterKeyFiles(config.dataDir);
      out(`New master key ${keyIdOf(current)} written to ${files.current}; the old one (${keyIdOf(replaced)}) kept in ${files.previous}.`);
    }
    const { keys, secrets: box } = await openKeyring(config, { create: false });
    out(`Re-sealing credentials under ${box.keyId} (also opening ${box.keyIds.slice(1).join(', ') || 'no previous key'}).`);
    const result = await reencryptCredentials(database.db, box, {
      batchSize: flags.batchSize,
      onProgress: (p) =>
        out(`  ${p.examined}/${p.total} examined: ${p.rotated} re-sealed, ${p.skipped} changed meanwhile, ${p.failed} failed`),
    });
    for (const f of result.failures) out(`  failed ${f.credentialId} (sealed under ${f.keyId}): ${f.code} ${f.message}`);
    out(`Done: ${result.examined} examined, ${result.rotated} re-sealed, ${result.skipped} changed meanwhile, ${result.failed} failed.`);
    if (result.failed > 0) {
      out('Keep the previous keys until every credential is re-sealed: add the missing key to LOOM_MASTER_KEY_PREVIOUS and run again.');
      return 1;
    }
    if (keys.previous.length > 0)
      out(
        'Every credential is sealed under the current key. Keep the previous keys while Temporal holds histories ' +
          'encrypted under them: runs started before the rotation need them to continue, and the Web UI to show them. ' +
          "Retire them once those runs have closed and the namespace's retention has removed their histories.",
      );
    return 0;
  } catch (err) {
    if (!(err instanceof SecretError)) throw err;
    process.stderr.write(`${err.code}: ${err.message}\n`);
    return 1;
  } finally {
    await database.close();
  }
}
