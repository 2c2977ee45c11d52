// What a caller may do. Sessions (JWT) carry every scope of their role; an API key may be narrowed to some.
// Every authenticated route declares one scope (apps/gateway/auth/access.ts), so a narrowed key reaches exactly the
// routes of its scopes; `admin` is held only by administrators, and only by their sessions and unrestricted keys.
import { z } from 'zod';
import type { Role } from '../db/schema.js';

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
  /** Uploaded files: listing, metadata and content. */
  'files:read',
  /** Uploading and deleting files. */
  'files:write',
  /** Knowledge bases: listing, reading and searching them. */
  'knowledge:read',
  /** Knowledge bases: creating and deleting them, adding sources, cancelling an ingestion. */
  'knowledge:write',
  /** Custom nodes: listing them and reading their versions and source. */
  'nodes:read',
  /** Custom nodes: uploading, disabling, enabling and deleting them. */
  'nodes:write',
  /** Your own account: who you are (GET /v1/me). */
  'account:read',
  /** Your own sessions: signing out. */
  'account:write',
  /** Every administration route; meaningful only for the role admin. */
  'admin',
] as const;

export const ScopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof ScopeSchema>;

/** Every scope a role can hold: what a session has, and what an unrestricted key (no scopes listed) stands for. */
export function scopesOfRole(role: Role): ReadonlySet<Scope> {
  return new Set(role === 'admin' ? SCOPES : SCOPES.filter((s) => s !== 'admin'));
}
