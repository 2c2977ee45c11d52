// `loom dev` (`npm start`): the whole stack on embedded defaults, until Ctrl-C.
import { loadConfig } from '../../platform/config.js';
import { createLogger } from '../../platform/logger.js';
import { startStack } from './stack.js';

export async function devCommand(): Promise<number> {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY });
  const stack = await startStack(config, log);
  const lines = [
    '',
    'Loom is running.',
    `  API            ${stack.apiUrl}   (health: ${stack.apiUrl}/healthz)`,
    `  Temporal UI    ${stack.temporalUiUrl ?? '(remote cluster: use its own UI)'}`,
    `  Temporal       ${stack.temporalAddress}`,
    `  Database       ${stack.database}`,
    `  Data folder    ${stack.dataDir}`,
    ...(stack.firstAdmin.created && stack.firstAdmin.generatedPassword
      ? [
          '',
          'First start: an administrator account was created. Sign in with POST /v1/auth/login:',
          `  Email          ${stack.firstAdmin.email}`,
          `  Password       ${stack.firstAdmin.generatedPassword.password}`,
          `  (also saved in ${stack.firstAdmin.generatedPassword.file}; shown this once)`,
        ]
      : []),
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');

  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.stdout.write(`\nReceived ${signal}, stopping Loom...\n`);
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  await stack.stop();
  process.stdout.write('Loom stopped.\n');
  return 0;
}
