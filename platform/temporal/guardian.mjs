// Keeps the embedded Temporal server from outliving the process that started it. The parent holds the write end
// of this process's stdin; the kernel closes it however the parent ends (Ctrl-C, SIGKILL, a fatal V8 error that
// runs no exit handler), and the end of stdin is the signal to stop the server. Plain JavaScript: it must start
// with bare `node`, without the TypeScript loader.
//
// Usage: node guardian.mjs LOG_FILE BINARY [ARGS...]
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import process from 'node:process';
import { setTimeout } from 'node:timers';

const [logFile, binary, ...args] = process.argv.slice(2);
if (!logFile || !binary) {
  process.stderr.write('usage: guardian.mjs LOG_FILE BINARY [ARGS...]\n');
  process.exit(2);
}

const KILL_AFTER_MS = 10_000;
const log = openSync(logFile, 'a');
const server = spawn(binary, args, { stdio: ['ignore', log, log] });

let stopping = false;
function stop(signal) {
  if (stopping || server.exitCode !== null) return;
  stopping = true;
  server.kill(signal);
  setTimeout(() => server.kill('SIGKILL'), KILL_AFTER_MS).unref();
}

server.on('error', (err) => {
  process.stderr.write(`cannot start ${binary}: ${err.message}\n`);
  process.exit(127);
});
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));

// The parent is gone (or closed the pipe on purpose): stop the server.
process.stdin.on('end', () => stop('SIGTERM'));
process.stdin.on('error', () => stop('SIGTERM'));
process.stdin.resume();
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => stop(signal === 'SIGHUP' ? 'SIGTERM' : signal));
