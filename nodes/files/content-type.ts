// What a file is, decided from its bytes, never from what the client says. Binary formats are recognised by their
// signatures (the file-type package, which also looks inside ZIP containers for DOCX and XLSX); anything it does not
// recognise is text only if its first bytes are valid UTF-8 without NUL, and then the name's extension says which
// text format (CSV, JSON, Markdown, HTML; anything else plain text). A declared type that contradicts the sniffed one
// is refused, so a PDF sent as image/png, or a program renamed .csv, is never stored under a false type.
import { fileTypeFromStream } from 'file-type';
import { PassThrough, type Readable } from 'node:stream';

export const ACCEPTED_TYPES = [
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'text/csv',
  'application/json',
  'text/markdown',
  'text/html',
  'text/plain',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
] as const;
export type AcceptedType = (typeof ACCEPTED_TYPES)[number];

export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** How many leading bytes the text check reads. */
export const SNIFF_BYTES = 8 * 1024;

export type Sniffed = { ok: true; type: AcceptedType } | { ok: false; reason: 'unsupported'; detected: string };

const isAccepted = (t: string): t is AcceptedType => (ACCEPTED_TYPES as readonly string[]).includes(t);

const TEXT_BY_EXTENSION: Record<string, AcceptedType> = {
  csv: 'text/csv',
  json: 'application/json',
  md: 'text/markdown',
  markdown: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
};

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** Valid UTF-8 with no NUL; the last few bytes may be a character cut by the sample's end. */
export function looksLikeText(head: Uint8Array): boolean {
  if (head.includes(0)) return false;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let cut = 0; cut <= Math.min(3, head.length); cut++) {
    try {
      decoder.decode(head.subarray(0, head.length - cut));
      return true;
    } catch {
      // A multi-byte character cut at the end: try without its first bytes.
    }
  }
  return false;
}

/**
 * The type of a stored file: `content` streams its bytes (only what file-type needs is read), `head` holds its first
 * SNIFF_BYTES bytes (or all of a shorter file).
 */
export async function sniffContentType(content: Readable, head: Uint8Array, name: string): Promise<Sniffed> {
  // file-type reads byte streams; an object-mode stream (Readable.from an array) goes through a byte pipe first.
  const binary = await fileTypeFromStream(content.readableObjectMode ? content.pipe(new PassThrough()) : content);
  if (binary)
    return isAccepted(binary.mime) ? { ok: true, type: binary.mime } : { ok: false, reason: 'unsupported', detected: binary.mime };
  if (!looksLikeText(head)) return { ok: false, reason: 'unsupported', detected: 'application/octet-stream' };
  return { ok: true, type: TEXT_BY_EXTENSION[extensionOf(name)] ?? 'text/plain' };
}

/** Declared types that do not contradict a sniffed one: what browsers and tools commonly send for it. */
const ALSO_DECLARED_AS: Partial<Record<AcceptedType, readonly string[]>> = {
  'text/csv': ['text/plain', 'application/csv', 'text/x-csv', 'application/vnd.ms-excel'],
  'application/json': ['text/plain', 'text/json'],
  'text/markdown': ['text/plain', 'text/x-markdown'],
  'text/html': ['text/plain'],
  'application/pdf': ['application/x-pdf'],
  [DOCX]: ['application/zip'],
  [XLSX]: ['application/zip'],
  'image/jpeg': ['image/jpg', 'image/pjpeg'],
};

/** Whether the client's declared type agrees with the sniffed one; no declaration (or a generic one) always does. */
export function declaredTypeAgrees(declared: string | undefined, sniffed: AcceptedType): boolean {
  const type = (declared ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === '' || type === 'application/octet-stream') return true;
  return type === sniffed || (ALSO_DECLARED_AS[sniffed]?.includes(type) ?? false);
}
