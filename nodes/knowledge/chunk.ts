// Splits a source's extracted content into chunks by its structure, each with the citation that says where it came
// from: pages (PDF) first, then markdown headings, then paragraphs packed up to a size with an overlap carried
// between neighbours of one section; tables in groups of rows, each row written out with its column names.
// A generator, deterministic for the same content and options: ingestion re-runs it per batch and takes the slice it
// needs, so only one batch of chunks is ever held, and a retried batch gets exactly the chunks (and seqs) it had.

/**
 * What text extraction hands over (the files component's extractor, nodes/files/extract.ts, has this shape; the
 * two are to be unified). Raw text sources are `{ kind: 'text', text }`.
 */
export type ExtractedContent =
  | { kind: 'text'; text: string; pages?: { page: number; text: string }[] }
  | { kind: 'table'; columns: string[]; rows: (unknown[] | Record<string, unknown>)[] };

export interface Citation {
  sourceId: string;
  title: string;
  page?: number;
  /** 1-based data rows, inclusive. */
  rows?: { from: number; to: number };
  heading?: string;
}

export interface Chunk {
  seq: number;
  text: string;
  citation: Citation;
}

export interface ChunkOptions {
  /** Longest chunk in characters (a paragraph longer than this is cut at word boundaries). */
  maxChars: number;
  /** Characters of the previous chunk repeated at the start of the next one within a section. */
  overlapChars: number;
  rowsPerChunk: number;
}

export const DEFAULT_CHUNKING: ChunkOptions = { maxChars: 1_000, overlapChars: 150, rowsPerChunk: 20 };

const HEADING = /^#{1,6}\s+(.+?)\s*#*\s*$/;

/** Markdown sections: the text under each heading (the text before the first heading has none). */
function* sections(text: string): Generator<{ heading?: string; body: string }> {
  let heading: string | undefined;
  let lines: string[] = [];
  let start = 0;
  const flush = function* () {
    const body = lines.join('\n').trim();
    if (body) yield heading === undefined ? { body } : { heading, body };
  };
  // Line by line without split(): a 5 MB text is not copied into an array of every line at once.
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    const match = HEADING.exec(line);
    if (match) {
      yield* flush();
      heading = match[1]!;
      lines = [];
    } else lines.push(line);
  }
  yield* flush();
}

/** Pieces no longer than max: paragraphs, and a paragraph over max cut at the last space before it. */
function* pieces(body: string, max: number): Generator<string> {
  for (const raw of body.split(/\n\s*\n/)) {
    let paragraph = raw.trim().replace(/[ \t]+/g, ' ');
    while (paragraph.length > max) {
      const space = paragraph.lastIndexOf(' ', max);
      const cut = space > max / 2 ? space : max;
      yield paragraph.slice(0, cut);
      paragraph = paragraph.slice(cut).trimStart();
    }
    if (paragraph) yield paragraph;
  }
}

/** The end of a chunk to repeat, starting at a word. */
function tail(text: string, chars: number): string {
  if (chars <= 0 || text.length <= chars) return chars <= 0 ? '' : text;
  const from = text.indexOf(' ', text.length - chars);
  return from === -1 ? '' : text.slice(from + 1);
}

/** Packs a section's pieces into chunks of at most maxChars (plus the overlap carried in). */
function* pack(body: string, options: ChunkOptions): Generator<string> {
  let current = '';
  let carried = '';
  for (const piece of pieces(body, options.maxChars)) {
    if (current && current.length + piece.length + 2 > options.maxChars) {
      yield current;
      carried = tail(current, options.overlapChars);
      current = carried ? `${carried}\n\n${piece}` : piece;
    } else current = current ? `${current}\n\n${piece}` : piece;
  }
  if (current && current !== carried) yield current;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function* chunkContent(
  content: ExtractedContent,
  source: { sourceId: string; title: string },
  options: ChunkOptions = DEFAULT_CHUNKING,
): Generator<Chunk> {
  let seq = 0;
  const base = { sourceId: source.sourceId, title: source.title };
  if (content.kind === 'table') {
    const { columns, rows } = content;
    for (let from = 0; from < rows.length; from += options.rowsPerChunk) {
      const group = rows.slice(from, from + options.rowsPerChunk);
      const lines = group.map((row) =>
        columns.map((column, i) => `${column}: ${cell(Array.isArray(row) ? row[i] : row[column])}`).join('; '),
      );
      yield { seq: seq++, text: lines.join('\n'), citation: { ...base, rows: { from: from + 1, to: from + group.length } } };
    }
    return;
  }
  const pages = content.pages?.length ? content.pages : [{ page: undefined, text: content.text }];
  for (const { page, text } of pages) {
    for (const { heading, body } of sections(text)) {
      for (const chunkText of pack(body, options)) {
        const citation: Citation = { ...base, ...(page !== undefined ? { page } : {}), ...(heading !== undefined ? { heading } : {}) };
        yield { seq: seq++, text: heading !== undefined ? `${heading}\n\n${chunkText}` : chunkText, citation };
      }
    }
  }
}
