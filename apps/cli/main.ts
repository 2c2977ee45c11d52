// The `loom` command. `npm start` is `loom dev`.
import { devCommand } from './dev.js';
import { evalCommand } from './eval.js';
import { generateCommand } from './generate.js';
import { rotateKeyCommand } from './rotate-key.js';
import { temporalCliCommand } from './temporal-cli.js';
import { validateCommand } from './validate.js';

const USAGE = `Usage: loom <command>

Commands:
  dev               Start the whole stack (Temporal, database, worker, API) on embedded defaults
  validate FILE     Compile a workflow document and print every problem; exit 1 on errors
  generate PROMPT   Generate a workflow draft from a description and print it (--model NAME)
  eval FILES...     Score the generator on evaluation cases, e.g. eval/generate (--model, --json, --out FILE)
  temporal-cli      Locate (or build) the Temporal CLI and print its path
  rotate-key        Re-seal every credential under the current master key (--generate: new key file first)
`;

const commands: Record<string, (args: string[]) => Promise<number>> = {
  dev: () => devCommand(),
  validate: (args) => validateCommand(args),
  generate: (args) => generateCommand(args),
  eval: (args) => evalCommand(args),
  'temporal-cli': () => temporalCliCommand(),
  'rotate-key': (args) => rotateKeyCommand(args),
};

const [name, ...rest] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  process.stderr.write(name && name !== 'help' && name !== '--help' ? `Unknown command "${name}".\n\n${USAGE}` : USAGE);
  process.exit(name && name !== 'help' && name !== '--help' ? 2 : 0);
}
try {
  process.exitCode = await command(rest);
} catch (err) {
  process.stderr.write(`loom ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
