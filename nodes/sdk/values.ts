// What NodeContext's doors hand a node (a file's metadata and extracted content, knowledge hits), as zod schemas: the
// SDK's types and the output shapes of the nodes that pass these values on (files.read, knowledge.search, the LLM
// nodes' citations) derive from the one declaration, so the compiler never promises a field execute() does not give.
import { z } from 'zod';
import { shapeFromJsonSchema, type Shape } from '../../compiler/shapes.js';

/** The shape (compiler/shapes.ts) of what a schema parses to: how a node declares an output it has a schema of. */
export function shapeOf(schema: z.ZodType): Shape {
  return shapeFromJsonSchema(z.toJSONSchema(schema, { unrepresentable: 'any' })) ?? {};
}

export const FileMetaSchema = z.object({
  id: z.string(),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
});
export type FileMeta = z.infer<typeof FileMetaSchema>;

/** One cell of an extracted table (nodes/files/tables.ts). */
const CellSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const TableSchema = z.object({ columns: z.array(z.string()), rows: z.array(z.record(z.string(), CellSchema)) });

/** A file's contents as Loom extracts them (nodes/files/extract.ts): text (with its pages, for a PDF), or a table. */
export const TextContentSchema = z.object({
  kind: z.literal('text'),
  text: z.string(),
  pages: z.array(z.object({ page: z.number().int(), text: z.string() })).optional(),
  truncated: z.boolean(),
});
/** A table: the first sheet's columns and rows, and every sheet of a workbook. */
export const TableContentSchema = TableSchema.extend({
  kind: z.literal('table'),
  sheets: z.array(TableSchema.extend({ name: z.string() })).optional(),
  truncated: z.boolean(),
});
export type ExtractedContent = z.infer<typeof TextContentSchema> | z.infer<typeof TableContentSchema>;

export const KnowledgeHitSchema = z.object({
  text: z.string(),
  score: z.number(),
  source: z.object({ id: z.string(), title: z.string() }),
  /** Where in the source: a page, a heading, rows (nodes/knowledge/chunk.ts). */
  citation: z.record(z.string(), z.unknown()),
});
export type KnowledgeHit = z.infer<typeof KnowledgeHitSchema>;
