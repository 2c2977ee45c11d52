// Custom node versions as registry entries: names namespaced per owner at upload, definitions built once per exact
// version (versions are immutable, so a built definition never goes stale) and merged with the built-ins.
import { createHash } from 'node:crypto';
import { createNodeRegistry, type AnyCredentialType, type AnyNodeDefinition, type NodeRegistry } from '../registry.js';
import type { CredentialTypeDeclaration, Declaration } from './declaration.js';
import { customCredentialType, customNodeDefinition, type CustomNodeRunner, type CustomNodeVersion } from './definition.js';

export const CUSTOM_TYPE_PREFIX = 'custom.';

export const isCustomType = (type: string): boolean => type.startsWith(CUSTOM_TYPE_PREFIX);

/** An owner's namespace: stable, short, and telling nothing of the user id it comes from. */
export function namespaceOf(ownerId: string): string {
  return `u${createHash('sha256').update(ownerId).digest('hex').slice(0, 12)}`;
}

/**
 * The declaration with its names in the owner's namespace: the node type, the credential types it declares, and the
 * slots that name them (a slot may also name a built-in credential type, which stays as it is).
 */
export function namespaced(declaration: Declaration, ownerId: string): Declaration {
  const prefix = `${CUSTOM_TYPE_PREFIX}${namespaceOf(ownerId)}.`;
  const own = new Set(declaration.credentialTypes.map((c) => c.type));
  const name = (local: string) => (own.has(local) ? prefix + local : local);
  return {
    node: {
      ...declaration.node,
      type: prefix + declaration.node.type,
      credentials: declaration.node.credentials?.map((s) => ({ ...s, types: s.types.map(name) })) ?? null,
    },
    credentialTypes: declaration.credentialTypes.map((c) => ({ ...c, type: prefix + c.type })),
  };
}

export function codeHashOf(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

const MAX_CACHED = 1_000;
/** Per runner (a worker's sandboxes, a test's): a definition's execute is bound to the runner it was built with. */
const built = new WeakMap<CustomNodeRunner, Map<string, AnyNodeDefinition>>();

/** The definition of one exact version, built once per process (and per disabled state, which the compiler reads). */
export function definitionOf(v: CustomNodeVersion, run: CustomNodeRunner): AnyNodeDefinition {
  let cache = built.get(run);
  if (!cache) built.set(run, (cache = new Map()));
  const key = `${v.type}@${v.version}#${v.codeHash}${v.disabled ? ':disabled' : ''}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const definition = customNodeDefinition(v, run);
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value ?? '');
  cache.set(key, definition);
  return definition;
}

/**
 * Credential types the versions declare, newest version first wins per name (a later upload may change a type's
 * fields; credentials already saved keep their values).
 */
export function credentialTypesOf(versions: readonly CustomNodeVersion[]): Map<string, CredentialTypeDeclaration> {
  const byType = new Map<string, CredentialTypeDeclaration>();
  const newestFirst = [...versions].sort((a, b) => b.version - a.version);
  for (const v of newestFirst) for (const c of v.declaration.credentialTypes) if (!byType.has(c.type)) byType.set(c.type, c);
  return byType;
}

/** The built-ins with these custom versions added: what one user compiles against and sees in the palette. */
export function withCustomNodes(base: NodeRegistry, versions: readonly CustomNodeVersion[], run: CustomNodeRunner): NodeRegistry {
  if (versions.length === 0) return base;
  const credentialTypes = credentialTypesOf(versions);
  const nodes: AnyNodeDefinition[] = versions.map((v) => definitionOf(v, run));
  const credentials: AnyCredentialType[] = [...credentialTypes].map(([type, c]) => customCredentialType(type, c));
  return createNodeRegistry({ nodes: [...base.all(), ...nodes], credentialTypes: [...base.credentialTypes(), ...credentials] });
}
