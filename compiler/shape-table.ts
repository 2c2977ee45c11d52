// The inferred shapes of a compiled document, interned: a pass-through node hands on the very shape it received,
// so a long chain shares one entry. Kept beside the plan rather than in it: shapes are derived from the document
// and the node catalog, the interpreter never reads them, and the plan is what Temporal carries in every run's
// history and what its hash identifies; adding them there would grow both for no run's benefit.
import { z } from 'zod';
import type { NodeShapes } from './passes/data-flow.js';
import { ShapeSchema, type Shape } from './shapes.js';

export const ShapeTableSchema = z.object({
  /** Each distinct shape once. */
  shapes: z.array(ShapeSchema),
  /** Per node id, the index in `shapes` of its input and output shape; absent: unknown. */
  nodes: z.record(z.string(), z.object({ input: z.number().int().optional(), output: z.number().int().optional() })),
});
export type ShapeTable = z.infer<typeof ShapeTableSchema>;

export function internShapes(byNode: Map<string, NodeShapes>): ShapeTable {
  const shapes: Shape[] = [];
  const indexOf = new Map<Shape, number>();
  const intern = (shape: Shape) => {
    let i = indexOf.get(shape);
    if (i === undefined) indexOf.set(shape, (i = shapes.push(shape) - 1));
    return i;
  };
  const nodes: ShapeTable['nodes'] = {};
  for (const [id, { input, output }] of byNode) {
    if (!input && !output) continue;
    // Assigned rather than spread from conditional literals: spreads cost more than the rest of this loop.
    const entry: ShapeTable['nodes'][string] = {};
    if (input) entry.input = intern(input);
    if (output) entry.output = intern(output);
    nodes[id] = entry;
  }
  return { shapes, nodes };
}
