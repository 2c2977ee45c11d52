// What a caller may do. Sessions (JWT) carry every scope of their role; an API key may be narrowed to some.
import { z } from 'zod';

export const SCOPES = [
  'workflows:read',
  'workflows:write',
  'runs:read',
  'runs:write',
  'requests:read',
  'requests:answer',
  'credentials:read',
  'credentials:write',
  'keys:manage',
  'usage:read',
] as const;

export const ScopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof ScopeSchema>;
