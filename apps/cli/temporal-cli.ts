// `loom temporal-cli`: makes sure the Temporal CLI exists (building it if needed) and prints its path. CI calls this.
import { locateTemporalCli } from '../../platform/temporal/cli-binary.js';

export async function temporalCliCommand(): Promise<number> {
  const binary = await locateTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, progress: (m) => process.stderr.write(`${m}\n`) });
  if (!binary) {
    process.stderr.write('No Temporal CLI and no Go toolchain: Loom will use the CLI that @temporalio/testing downloads.\n');
    return 0;
  }
  process.stdout.write(`${binary}\n`);
  return 0;
}
