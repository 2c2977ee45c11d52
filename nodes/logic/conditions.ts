// Conditions shared by logic.if and logic.switch: typed comparisons on strings, numbers, booleans and dates,
// existence checks and regular expressions. Pure and deterministic: evaluated inside the workflow.
import { z } from 'zod';

export const OPERATORS = [
  'equals',
  'notEquals',
  'contains',
  'notContains',
  'startsWith',
  'endsWith',
  'matchesRegex',
  'gt',
  'gte',
  'lt',
  'lte',
  'before',
  'after',
  'isTrue',
  'isFalse',
  'exists',
  'notExists',
  'isEmpty',
  'isNotEmpty',
] as const;
export type Operator = (typeof OPERATORS)[number];

export const ConditionSchema = z
  .object({
    /** Usually an expression such as "{{ $json.status }}", resolved before the condition is evaluated. */
    left: z.unknown(),
    operator: z.enum(OPERATORS),
    right: z.unknown().optional(),
    /** Compare strings without regard to case. */
    ignoreCase: z.boolean().optional(),
  })
  .strict();
export type Condition = z.infer<typeof ConditionSchema>;

export const ConditionGroupSchema = z.object({
  conditions: z.array(ConditionSchema).min(1),
  combine: z.enum(['all', 'any']).default('all'),
});

// Workflow code must never hang on a pathological pattern: bound both sides of a regex test.
const MAX_PATTERN = 500;
const MAX_SUBJECT = 10_000;

const str = (v: unknown, ignoreCase?: boolean) => {
  const s = typeof v === 'string' ? v : v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return ignoreCase ? s.toLowerCase() : s;
};
const num = (v: unknown) =>
  typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : typeof v === 'boolean' ? Number(v) : NaN;
const time = (v: unknown) => (v instanceof Date ? v.getTime() : typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN);
const empty = (v: unknown) =>
  v === undefined ||
  v === null ||
  v === '' ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && v !== null && Object.keys(v).length === 0);

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' || typeof b === 'number') return num(a) === num(b);
  if (typeof a === 'boolean' || typeof b === 'boolean') return str(a) === str(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

export function evaluateCondition(c: Condition): boolean {
  const { left, right, ignoreCase } = c;
  switch (c.operator) {
    case 'equals':
      return typeof left === 'string' && typeof right === 'string'
        ? str(left, ignoreCase) === str(right, ignoreCase)
        : deepEqual(left, right);
    case 'notEquals':
      return !evaluateCondition({ ...c, operator: 'equals' });
    case 'contains':
      return Array.isArray(left) ? left.some((x) => deepEqual(x, right)) : str(left, ignoreCase).includes(str(right, ignoreCase));
    case 'notContains':
      return !evaluateCondition({ ...c, operator: 'contains' });
    case 'startsWith':
      return str(left, ignoreCase).startsWith(str(right, ignoreCase));
    case 'endsWith':
      return str(left, ignoreCase).endsWith(str(right, ignoreCase));
    case 'matchesRegex': {
      const pattern = str(right);
      if (pattern.length > MAX_PATTERN) return false;
      try {
        return new RegExp(pattern, ignoreCase ? 'i' : '').test(str(left).slice(0, MAX_SUBJECT));
      } catch {
        return false;
      }
    }
    case 'gt':
      return num(left) > num(right);
    case 'gte':
      return num(left) >= num(right);
    case 'lt':
      return num(left) < num(right);
    case 'lte':
      return num(left) <= num(right);
    case 'before':
      return time(left) < time(right);
    case 'after':
      return time(left) > time(right);
    case 'isTrue':
      return left === true || left === 'true';
    case 'isFalse':
      return left === false || left === 'false';
    case 'exists':
      return left !== undefined && left !== null;
    case 'notExists':
      return left === undefined || left === null;
    case 'isEmpty':
      return empty(left);
    case 'isNotEmpty':
      return !empty(left);
  }
}

export function evaluateGroup(group: { conditions: Condition[]; combine: 'all' | 'any' }): boolean {
  return group.combine === 'all' ? group.conditions.every(evaluateCondition) : group.conditions.some(evaluateCondition);
}
