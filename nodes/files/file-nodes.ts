// files.read and files.write: a node's way to the run owner's files, through NodeContext.files (the worker wires it
// to the file store; another user's file does not exist there). Tabular files come back as rows and columns.
import { z } from 'zod';
import { NodeError } from '../sdk/errors.js';
import { field } from '../sdk/fields.js';
import { defineNode, type FileAccess, type NodeContext } from '../sdk/node.js';
import { FileMetaSchema, shapeOf, TableContentSchema, TextContentSchema } from '../sdk/values.js';

/** files.read gives the file's metadata beside its content, text or table. */
const ReadOutputSchema = z.union([TextContentSchema.extend({ file: FileMetaSchema }), TableContentSchema.extend({ file: FileMetaSchema })]);
const WriteOutputSchema = z.object({ file: FileMetaSchema });

function filesOf(context: NodeContext): FileAccess {
  if (!context.files) throw new NodeError('FILES_UNAVAILABLE');
  return context.files;
}

export const readFileNode = defineNode({
  type: 'files.read',
  version: 1,
  displayName: 'Read file',
  category: 'data',
  description: 'Reads one of your files: its text (with page numbers for a PDF), or its rows and columns for CSV and spreadsheets.',
  kind: 'activity',
  fields: {
    fileId: field.string({
      label: 'File',
      required: true,
      placeholder: '{{ $json.fileId }}',
      help: 'A file id, or an expression giving one',
    }),
  },
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  operations: () => ['read'],
  defaults: { timeoutMs: 60_000 },
  outputShape: shapeOf(ReadOutputSchema),
  async execute(_input, config, context) {
    const file = await filesOf(context).read(config.fileId.trim());
    context.log.info(`read ${file.name} (${file.contentType}, ${file.size} bytes)`);
    return { file: { id: file.id, name: file.name, contentType: file.contentType, size: file.size }, ...file.content };
  },
});

export const writeFileNode = defineNode({
  type: 'files.write',
  version: 1,
  displayName: 'Write file',
  category: 'data',
  description: 'Saves a value as a new file of yours (text as it is, anything else as JSON); outputs the file id.',
  kind: 'activity',
  fields: {
    name: field.string({ label: 'File name', required: true, placeholder: 'report.txt' }),
    content: field.expression({ label: 'Content', required: true, placeholder: '{{ $json }}' }),
  },
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  operations: () => ['file_write'],
  defaults: { timeoutMs: 60_000 },
  outputShape: shapeOf(WriteOutputSchema),
  async execute(_input, config, context) {
    const name = z
      .string()
      .trim()
      .min(1)
      .max(255)
      // eslint-disable-next-line no-control-regex -- a NUL in a name is exactly what this refuses
      .regex(/^[^/\\\u0000]+$/, 'a file name, not a path')
      .safeParse(config.name);
    if (!name.success) throw new NodeError('CONFIG_INVALID', `name: ${name.error.issues[0]?.message ?? 'invalid'}`);
    const content = typeof config.content === 'string' ? config.content : JSON.stringify(config.content, null, 2);
    const file = await filesOf(context).write({ name: name.data, content });
    return { file };
  },
});
