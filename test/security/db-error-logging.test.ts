// Issue #11, item 12: a failed query's error carries every bound parameter (drizzle puts them in `params` and in the
// message), so logging it wrote the whole workflow document into the log. Before the fix the line below held the
// document 3 times over (message, stack, params).
import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../platform/logger.js';

describe('database errors in logs', () => {
  it('never logs the parameters of a failed query, and keeps the line short', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const log = createLogger({ level: 'info' }, sink);
    const document = JSON.stringify({
      name: 'secret-plan',
      nodes: Array.from({ length: 2_000 }, (_, i) => ({ id: `n${i}`, config: { note: 'private-content' } })),
    });
    const cause = Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
    log.error(
      { err: new DrizzleQueryError('insert into "workflows" ("id", "document") values ($1, $2)', ['wf_1', document], cause) },
      'unhandled error',
    );
    const line = lines.join('');
    expect(line).not.toContain('private-content');
    expect(line).not.toContain('secret-plan');
    expect(line.length).toBeLessThan(12_000);
    // What a person needs to diagnose it stays: the SQL and the driver's own error and code.
    expect(line).toContain('insert into');
    expect(line).toContain('unsupported Unicode escape sequence');
    expect(line).toContain('22P05');
  });
});
