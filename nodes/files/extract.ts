// Text and tables out of a file's bytes, for search and for nodes: pure over the bytes (no database, no store), and
// bounded everywhere. The input is read up to a byte limit, archives are checked for how far they expand before a
// parser inflates them (zip-bounds.ts), and the output stops at a character and a row budget with `truncated` set.
// Memory stays proportional to those limits, whatever the file claims to be.
import type { Readable } from 'node:stream';
import mammoth from 'mammoth';
import { getDocumentProxy } from 'unpdf';
import { DOCX, XLSX } from './content-type.js';
import { htmlToText } from './html-text.js';
import { csvTable, TableBuilder, xlsxTables, type Cell, type Table } from './tables.js';
import { checkZipBounds, ZipBoundsError } from './zip-bounds.js';

export type { Cell, Table } from './tables.js';

export interface ExtractLimits {
  /** Characters of text (or of all table cells together) kept. */
  maxChars: number;
  /** Rows kept per table (the header row aside). */
  maxRows: number;
  /** Characters kept of one table cell. */
  maxCellChars: number;
  /** Bytes of input read at most: a larger file is refused (binary formats) or read in part (text formats). */
  maxInputBytes: number;
  /** Bytes a DOCX or XLSX archive may expand to. */
  maxUnzippedBytes: number;
  /** PDF pages read at most. */
  maxPages: number;
}

export const EXTRACT_LIMITS: Readonly<ExtractLimits> = {
  maxChars: 5 * 1024 * 1024,
  maxRows: 100_000,
  maxCellChars: 32 * 1024,
  maxInputBytes: 100 * 1024 * 1024,
  maxUnzippedBytes: 200 * 1024 * 1024,
  maxPages: 5_000,
};

export type Extracted =
  | { kind: 'text'; text: string; pages?: { page: number; text: string }[]; truncated: boolean }
  | { kind: 'table'; columns: string[]; rows: Record<string, Cell>[]; sheets?: ({ name: string } & Table)[]; truncated: boolean };

export const EXTRACT_ERRORS = {
  FILE_NOT_EXTRACTABLE: 'Loom does not extract text from this type of file',
  FILE_TOO_LARGE: 'The file is larger than extraction reads, or expands past its bound',
  FILE_MALFORMED: 'The file could not be parsed as its type',
} as const;
export type ExtractErrorCode = keyof typeof EXTRACT_ERRORS;

export class ExtractError extends Error {
  constructor(
    readonly code: ExtractErrorCode,
    message: string = EXTRACT_ERRORS[code],
  ) {
    super(message);
  }
}

/** At most `max` bytes of the input, and whether more was there. */
async function readBounded(
  input: Uint8Array | Readable | AsyncIterable<Uint8Array>,
  max: number,
): Promise<{ bytes: Buffer; more: boolean }> {
  if (input instanceof Uint8Array) {
    const all = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    return { bytes: all.subarray(0, max), more: all.length > max };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let more = false;
  for await (const chunk of input) {
    const room = max - size;
    if (chunk.length > room) {
      chunks.push(Buffer.from(chunk.subarray(0, room)));
      size = max;
      more = true;
      break;
    }
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
  }
  // Leaving the loop early closes a Node stream; a plain async iterable is simply not read further.
  return { bytes: Buffer.concat(chunks, size), more };
}

/** UTF-8 text of at most maxChars characters; a character cut by the byte bound is dropped, not garbled. */
function decodeText(bytes: Buffer, more: boolean, maxChars: number): { text: string; truncated: boolean } {
  const decoded = new TextDecoder('utf-8').decode(bytes, { stream: more });
  const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
  return text.length > maxChars ? { text: text.slice(0, maxChars), truncated: true } : { text, truncated: more };
}

async function pdfText(bytes: Buffer, limits: ExtractLimits): Promise<Extracted> {
  let pdf;
  try {
    pdf = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, stopAtErrors: false });
  } catch (err) {
    throw new ExtractError('FILE_MALFORMED', `The PDF could not be opened: ${(err as Error).message}`);
  }
  try {
    const pages: { page: number; text: string }[] = [];
    let chars = 0;
    let truncated = pdf.numPages > limits.maxPages;
    for (let n = 1; n <= Math.min(pdf.numPages, limits.maxPages); n++) {
      const content = await (await pdf.getPage(n)).getTextContent();
      let text = content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join('');
      if (chars + text.length > limits.maxChars) {
        text = text.slice(0, limits.maxChars - chars);
        truncated = true;
      }
      pages.push({ page: n, text });
      chars += text.length;
      if (truncated && chars >= limits.maxChars) break;
    }
    return { kind: 'text', text: pages.map((p) => p.text).join('\n\n'), pages, truncated };
  } finally {
    await pdf.destroy();
  }
}

function checkArchive(bytes: Buffer, limits: ExtractLimits): void {
  try {
    checkZipBounds(bytes, limits.maxUnzippedBytes);
  } catch (err) {
    if (!(err instanceof ZipBoundsError)) throw err;
    const tooLarge = err.message.includes('expands past') || err.message.includes('entries');
    throw new ExtractError(tooLarge ? 'FILE_TOO_LARGE' : 'FILE_MALFORMED', `The archive is refused: ${err.message}`);
  }
}

async function docxText(bytes: Buffer, limits: ExtractLimits): Promise<Extracted> {
  checkArchive(bytes, limits);
  let raw: string;
  try {
    raw = (await mammoth.extractRawText({ buffer: bytes })).value;
  } catch (err) {
    throw new ExtractError('FILE_MALFORMED', `The DOCX could not be read: ${(err as Error).message}`);
  }
  const text = raw.replace(/\n{3,}/g, '\n\n').trim();
  return text.length > limits.maxChars
    ? { kind: 'text', text: text.slice(0, limits.maxChars), truncated: true }
    : { kind: 'text', text, truncated: false };
}

async function xlsx(bytes: Buffer, limits: ExtractLimits): Promise<Extracted> {
  checkArchive(bytes, limits);
  const builder = new TableBuilder(limits);
  let sheets;
  try {
    sheets = await xlsxTables(bytes, builder, limits.maxRows);
  } catch (err) {
    throw new ExtractError('FILE_MALFORMED', `The XLSX could not be read: ${(err as Error).message}`);
  }
  const first = sheets[0] ?? { columns: [], rows: [] };
  return { kind: 'table', columns: first.columns, rows: first.rows, sheets, truncated: builder.truncated };
}

/**
 * Text or a table from a file of one of Loom's accepted types (nodes/files/content-type.ts). Throws ExtractError:
 * FILE_NOT_EXTRACTABLE for other types (images), FILE_TOO_LARGE past the input or expansion bounds, FILE_MALFORMED
 * when the parser fails.
 */
export async function extractFile(
  input: Uint8Array | Readable | AsyncIterable<Uint8Array>,
  contentType: string,
  bounds: Partial<ExtractLimits> = {},
): Promise<Extracted> {
  const limits = { ...EXTRACT_LIMITS, ...bounds };
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const binary = type === 'application/pdf' || type === DOCX || type === XLSX;
  // Text formats are read to about their character budget (CSV and HTML further: markup and separators are not kept).
  const textBytes = type === 'text/csv' || type === 'text/html' ? 4 * limits.maxChars : limits.maxChars;
  if (!binary && !['text/csv', 'application/json', 'text/markdown', 'text/html', 'text/plain'].includes(type))
    throw new ExtractError('FILE_NOT_EXTRACTABLE', `Loom does not extract text from ${type || 'files without a type'}`);
  // One byte past the bound tells a binary file that is too large from one that fits exactly.
  const { bytes, more } = await readBounded(input, binary ? limits.maxInputBytes + 1 : Math.min(limits.maxInputBytes, textBytes));
  if (binary && bytes.length > limits.maxInputBytes)
    throw new ExtractError('FILE_TOO_LARGE', `Extraction reads files up to ${limits.maxInputBytes} bytes`);
  if (type === 'application/pdf') return pdfText(bytes, limits);
  if (type === DOCX) return docxText(bytes, limits);
  if (type === XLSX) return xlsx(bytes, limits);
  const { text, truncated } = decodeText(bytes, more, textBytes);
  if (type === 'text/html') {
    const stripped = htmlToText(text, limits.maxChars);
    return { kind: 'text', text: stripped.text, truncated: truncated || stripped.truncated };
  }
  if (type === 'text/csv') {
    const builder = new TableBuilder(limits);
    const table = csvTable(text, builder, limits.maxRows);
    return { kind: 'table', ...table, truncated: truncated || builder.truncated };
  }
  // JSON, Markdown and plain text are their own text: JSON is not parsed, so no nesting can hurt.
  return { kind: 'text', text, truncated };
}
