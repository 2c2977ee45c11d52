// Custom node types and their immutable versions. Who sees what: an owner sees their own types (not deleted); everyone
// sees the versions an administrator published of types not deleted. Another user's private type is simply not there.
import { and, asc, desc, eq, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Declaration } from '../nodes/custom/declaration.js';
import type { Database } from './client.js';
import {
  customNodeTypes,
  customNodeVersions,
  type CustomNodeTypeRow,
  type CustomNodeVersionRow,
  type CustomSourceLanguage,
} from './schema.js';

export interface NewCustomNodeVersion {
  type: string;
  ownerId: string;
  sourceLanguage: CustomSourceLanguage;
  source: string;
  code: string;
  codeHash: string;
  declaration: Declaration;
}

export type SaveOutcome =
  | { kind: 'created'; row: CustomNodeVersionRow }
  /** The same code is already a version of this type: that version, unchanged. */
  | { kind: 'existing'; row: CustomNodeVersionRow }
  /** The type's name belongs to someone else (namespaces make this a bug, not a race). */
  | { kind: 'not_owner' };

/** The next version of the type (created with its first), or the version that already has this code. */
export async function saveCustomNodeVersion(db: Database, v: NewCustomNodeVersion): Promise<SaveOutcome> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Database;
    await t.insert(customNodeTypes).values({ type: v.type, ownerId: v.ownerId }).onConflictDoNothing();
    // The type row's lock orders concurrent uploads of one type, so version numbers never collide.
    const [type] = await t.select().from(customNodeTypes).where(eq(customNodeTypes.type, v.type)).for('update');
    if (!type || type.ownerId !== v.ownerId) return { kind: 'not_owner' };
    // Uploading a deleted type again brings it back, with its old versions still numbered before the new one.
    if (type.deletedAt) await t.update(customNodeTypes).set({ deletedAt: null }).where(eq(customNodeTypes.type, v.type));
    const [same] = await t
      .select()
      .from(customNodeVersions)
      .where(and(eq(customNodeVersions.type, v.type), eq(customNodeVersions.codeHash, v.codeHash)));
    if (same) return { kind: 'existing', row: same };
    const [last] = await t
      .select({ version: sql<number>`coalesce(max(${customNodeVersions.version}), 0)` })
      .from(customNodeVersions)
      .where(eq(customNodeVersions.type, v.type));
    const [row] = await t
      .insert(customNodeVersions)
      .values({
        type: v.type,
        version: Number(last?.version ?? 0) + 1,
        sourceLanguage: v.sourceLanguage,
        source: v.source,
        code: v.code,
        codeHash: v.codeHash,
        declaration: v.declaration,
      })
      .returning();
    if (!row) throw new Error('custom_node_versions: insert returned nothing');
    return { kind: 'created', row };
  });
}

/** A version as lists and registries read it: everything but the uploaded source, which only its detail shows. */
export type VisibleVersion = Omit<CustomNodeVersionRow, 'source'> & { ownerId: string; disabled: boolean };

const visibleTo = (userId: string): SQL =>
  and(isNull(customNodeTypes.deletedAt), or(eq(customNodeTypes.ownerId, userId), isNotNull(customNodeVersions.publishedAt))) as SQL;

const versionWithType = {
  type: customNodeVersions.type,
  version: customNodeVersions.version,
  sourceLanguage: customNodeVersions.sourceLanguage,
  code: customNodeVersions.code,
  codeHash: customNodeVersions.codeHash,
  declaration: customNodeVersions.declaration,
  publishedAt: customNodeVersions.publishedAt,
  publishedBy: customNodeVersions.publishedBy,
  createdAt: customNodeVersions.createdAt,
  ownerId: customNodeTypes.ownerId,
  disabled: sql<boolean>`${customNodeTypes.disabledAt} is not null`,
};

/** Every version the user may compile against: their own, and the published ones of others. */
export async function listVisibleVersions(db: Database, userId: string, type?: string): Promise<VisibleVersion[]> {
  return db
    .select(versionWithType)
    .from(customNodeVersions)
    .innerJoin(customNodeTypes, eq(customNodeTypes.type, customNodeVersions.type))
    .where(type === undefined ? visibleTo(userId) : and(visibleTo(userId), eq(customNodeVersions.type, type)))
    .orderBy(asc(customNodeVersions.type), desc(customNodeVersions.version));
}

/**
 * One exact version for a run: found even when its type has been disabled or deleted since (a run finishes on the
 * version it was compiled with), but only for its owner or when that version is published.
 */
export async function findRunnableVersion(
  db: Database,
  userId: string,
  type: string,
  version: number,
): Promise<VisibleVersion | undefined> {
  const [row] = await db
    .select(versionWithType)
    .from(customNodeVersions)
    .innerJoin(customNodeTypes, eq(customNodeTypes.type, customNodeVersions.type))
    .where(
      and(
        eq(customNodeVersions.type, type),
        eq(customNodeVersions.version, version),
        or(eq(customNodeTypes.ownerId, userId), isNotNull(customNodeVersions.publishedAt)),
      ),
    );
  return row;
}

/**
 * One version with its source: as the user may see it, or (no user) any version of any type, deleted or not, for an
 * administrator reviewing it before publishing.
 */
export async function findVersionWithSource(
  db: Database,
  userId: string | undefined,
  type: string,
  version: number,
): Promise<(VisibleVersion & { source: string }) | undefined> {
  const exact = and(eq(customNodeVersions.type, type), eq(customNodeVersions.version, version)) as SQL;
  const [row] = await db
    .select({ ...versionWithType, source: customNodeVersions.source })
    .from(customNodeVersions)
    .innerJoin(customNodeTypes, eq(customNodeTypes.type, customNodeVersions.type))
    .where(userId === undefined ? exact : and(exact, visibleTo(userId)));
  return row;
}

export async function findOwnType(db: Database, ownerId: string, type: string): Promise<CustomNodeTypeRow | undefined> {
  const [row] = await db
    .select()
    .from(customNodeTypes)
    .where(and(eq(customNodeTypes.type, type), eq(customNodeTypes.ownerId, ownerId), isNull(customNodeTypes.deletedAt)));
  return row;
}

/** Disables or enables (`disabled: false`) the owner's type; false when there is no such type. */
export async function setCustomNodeDisabled(db: Database, ownerId: string, type: string, disabled: boolean): Promise<boolean> {
  const rows = await db
    .update(customNodeTypes)
    .set({ disabledAt: disabled ? new Date() : null })
    .where(and(eq(customNodeTypes.type, type), eq(customNodeTypes.ownerId, ownerId), isNull(customNodeTypes.deletedAt)))
    .returning({ type: customNodeTypes.type });
  return rows.length > 0;
}

/** Hides the owner's type from everyone (its versions stay, for the runs that use them). */
export async function deleteCustomNodeType(db: Database, ownerId: string, type: string): Promise<boolean> {
  const rows = await db
    .update(customNodeTypes)
    .set({ deletedAt: new Date() })
    .where(and(eq(customNodeTypes.type, type), eq(customNodeTypes.ownerId, ownerId), isNull(customNodeTypes.deletedAt)))
    .returning({ type: customNodeTypes.type });
  return rows.length > 0;
}

/** An administrator publishes (or withdraws) one version for everyone; false when it does not exist. */
export async function setCustomNodePublished(
  db: Database,
  type: string,
  version: number,
  by: string | null,
): Promise<CustomNodeVersionRow | undefined> {
  const [row] = await db
    .update(customNodeVersions)
    .set({ publishedAt: by === null ? null : new Date(), publishedBy: by })
    .where(
      and(
        eq(customNodeVersions.type, type),
        eq(customNodeVersions.version, version),
        sql`exists (select 1 from ${customNodeTypes} where ${customNodeTypes.type} = ${customNodeVersions.type} and ${customNodeTypes.deletedAt} is null)`,
      ),
    )
    .returning();
  return row;
}
