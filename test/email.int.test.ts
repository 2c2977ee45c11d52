// Email notifications over real SMTP (a local smtp-server), delivered by the outbox with the answer link.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let smtp: SMTPServer;
const received: { to: string[]; raw: string }[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  stack = await startTestStack({
    notify: { publicUrl: 'https://loom.example.com', emailTo: 'approvers@example.com' },
    email: { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Loom <loom@example.com>' },
  });
});
afterAll(async () => {
  await stack?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe('email notifications', () => {
  it('mail the approvers a question with its answer link', async () => {
    await startRun(stack.api, {
      name: 'mail',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'ask', type: 'human.question', config: { question: 'Which region?', options: ['eu', 'us'] } },
      ],
      edges: [{ id: 'e', source: 'start', target: 'ask' }],
    });
    const deadline = Date.now() + 20_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail!.to).toEqual(['approvers@example.com']);
    expect(mail!.raw).toContain('Subject: [Loom] A question for you: Which region?');
    // The body is quoted-printable: undo its soft line breaks before looking for the link.
    expect(mail!.raw.replace(/=\r\n/g, '')).toContain('https://loom.example.com/a/');
    // The outbox marks the row sent after the SMTP server has accepted the mail: wait for that write too.
    const sent = async () => (await stack.database.db.query.notificationOutbox.findMany())[0];
    let row = await sent();
    while (row?.status !== 'sent' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      row = await sent();
    }
    expect(row).toMatchObject({ channel: 'email', status: 'sent', attempts: 1 });
  });
});
