// Multipart bodies for file uploads: whole (for fastify.inject) or generated chunk by chunk (for fetch over real
// HTTP, so a test can upload far more than it ever holds in memory).
import { randomBytes } from 'node:crypto';

export interface FilePart {
  filename: string;
  /** The part's declared type; omitted: no Content-Type header in the part. */
  contentType?: string;
  field?: string;
}

function framing(part: FilePart) {
  const boundary = `----loom-test-${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${part.field ?? 'file'}"; filename="${part.filename}"\r\n` +
      (part.contentType ? `Content-Type: ${part.contentType}\r\n` : '') +
      '\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { head, tail, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A whole multipart body holding one file part, and its headers. */
export function multipartBody(part: FilePart, data: Buffer): { payload: Buffer; headers: { 'content-type': string } } {
  const { head, tail, contentType } = framing(part);
  return { payload: Buffer.concat([head, data, tail]), headers: { 'content-type': contentType } };
}

/** A multipart body of `size` bytes of `fill`, made as it is read (1 MB at a time), for fetch with duplex 'half'. */
export function multipartStream(part: FilePart, size: number, fill = 0x61): { body: ReadableStream<Uint8Array>; contentType: string } {
  const { head, tail, contentType } = framing(part);
  const chunk = Buffer.alloc(1024 * 1024, fill);
  let sent = -1;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent < 0) {
        controller.enqueue(new Uint8Array(head));
        sent = 0;
      } else if (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        controller.enqueue(new Uint8Array(chunk.subarray(0, n)));
        sent += n;
      } else {
        controller.enqueue(new Uint8Array(tail));
        controller.close();
      }
    },
  });
  return { body, contentType };
}
