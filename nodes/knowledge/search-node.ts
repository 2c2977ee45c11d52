// knowledge.search: hybrid search (vectors and full text, fused) over one of the run owner's knowledge bases,
// through NodeContext.knowledge; each hit carries its source and citation.
import { z } from 'zod';
import { NodeError } from '../sdk/errors.js';
import { field } from '../sdk/fields.js';
import { defineNode, type KnowledgeAccess, type NodeContext } from '../sdk/node.js';
import { KnowledgeHitSchema, shapeOf } from '../sdk/values.js';

const SearchOutputSchema = z.object({ query: z.string(), hits: z.array(KnowledgeHitSchema) });

export function knowledgeOf(context: NodeContext): KnowledgeAccess {
  if (!context.knowledge) throw new NodeError('KNOWLEDGE_UNAVAILABLE');
  return context.knowledge;
}

export const knowledgeSearchNode = defineNode({
  type: 'knowledge.search',
  version: 1,
  displayName: 'Search knowledge',
  category: 'ai',
  description: 'Finds the passages of a knowledge base that answer a query; outputs hits with their sources and citations.',
  kind: 'activity',
  fields: {
    knowledgeBase: field.string({ label: 'Knowledge base', required: true, placeholder: 'kb_...' }),
    query: field.string({ label: 'Query', required: true, placeholder: '{{ $json.question }}' }),
    topK: field.number({ label: 'Hits', default: 5, min: 1, max: 50, int: true }),
    sourceIds: field.json({ label: 'Only these sources', schema: z.array(z.string().min(1).max(100)).max(100) }),
  },
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  operations: () => ['read'],
  defaults: { timeoutMs: 30_000 },
  outputShape: shapeOf(SearchOutputSchema),
  async execute(_input, config, context) {
    const hits = await knowledgeOf(context).search(config.knowledgeBase.trim(), config.query, {
      topK: config.topK,
      ...(config.sourceIds ? { sourceIds: config.sourceIds } : {}),
    });
    return { query: config.query, hits };
  },
});
