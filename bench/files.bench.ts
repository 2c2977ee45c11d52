// A 100 MB upload through the real gateway (multipart over HTTP, sent by curl in another process so this process
// holds only the gateway), against the baseline of copying the same file on disk with a stream pipeline: the time
// ratio, and the gateway's resident memory growth while the upload runs (goal: under 50 MB for 100 MB).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { startBenchGateway } from './gateway.js';
import { formatMs, type BenchSuite } from './harness.js';

const MB = 1024 * 1024;
const SIZE = 100 * MB;
const run = promisify(execFile);

export const suite: BenchSuite = {
  name: 'files',
  async run() {
    const dir = await mkdtemp(path.join(tmpdir(), 'loom-bench-files-'));
    const source = path.join(dir, 'upload.txt');
    // Text, so the upload is accepted as text/plain; random letters, so nothing compresses or dedupes.
    const block = Buffer.from(randomBytes(MB).toString('base64').slice(0, MB));
    await pipeline(
      (function* () {
        for (let i = 0; i < SIZE / MB; i++) yield block;
      })(),
      createWriteStream(source),
    );

    const copyStart = performance.now();
    await pipeline(createReadStream(source), createWriteStream(path.join(dir, 'copy.txt')));
    const copyMs = performance.now() - copyStart;

    const gateway = await startBenchGateway({ filesDir: path.join(dir, 'store'), tier: 'pro' });
    const base = await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    const token = gateway.token;
    await writeFile(path.join(dir, 'auth'), `header = "authorization: Bearer ${token}"\n`);

    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const uploadStart = performance.now();
    const { stdout } = await run('curl', [
      '-sS',
      '-K',
      path.join(dir, 'auth'),
      '-F',
      `file=@${source};type=text/plain`,
      '-w',
      '\n%{http_code}',
      `${base}/v1/files`,
    ]);
    const uploadMs = performance.now() - uploadStart;
    clearInterval(sampler);
    const status = stdout.trim().split('\n').at(-1);
    await gateway.close();
    await rm(dir, { recursive: true, force: true });
    if (status !== '201') throw new Error(`the upload answered ${status}: ${stdout.slice(0, 300)}`);

    const growthMb = (peak - before) / MB;
    return {
      suite: 'files',
      measurements: [
        { name: 'copy 100 MB on disk (stream pipeline)', medianMs: copyMs, p95Ms: copyMs, iterations: 1 },
        {
          name: 'upload 100 MB (multipart over HTTP, hashed, sniffed, stored)',
          medianMs: uploadMs,
          p95Ms: uploadMs,
          iterations: 1,
          extra: { rssGrowthMB: growthMb.toFixed(1), throughputMBps: (SIZE / MB / (uploadMs / 1000)).toFixed(0) },
        },
      ],
      verdicts: [
        `upload vs disk copy: ${(uploadMs / copyMs).toFixed(1)}x (${formatMs(uploadMs)} vs ${formatMs(copyMs)})`,
        `gateway RSS growth during a 100 MB upload: ${growthMb.toFixed(1)} MB (goal < 50 MB): ${growthMb < 50 ? 'met' : 'NOT met'}`,
      ],
    };
  },
};
