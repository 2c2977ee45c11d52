// The approval text of db.postgres. The preview counts rows by running the statement in a transaction that is
// rolled back; effects a rollback cannot undo (nextval, setval, dblink, advisory locks, functions we do not know)
// would happen before anyone approved, so such statements are not run: the request says the count is unavailable.
import { classifySql, previewable, type SqlClassification } from './sql-classify.js';

const VERBS: Record<string, string> = { DELETE: 'delete', UPDATE: 'update', INSERT: 'insert', SELECT: 'read', MERGE: 'merge' };

function unavailableBecause(c: SqlClassification): string {
  if (c.unsafeFunctions.length > 0) {
    return `it calls ${c.unsafeFunctions.join(', ')}, whose effects (a sequence advanced, a remote call, a lock) a rollback would not undo`;
  }
  if (c.statements === undefined) return "PostgreSQL's parser does not accept it";
  return `${c.command || 'this statement'} statements are not run before approval`;
}

export async function describeStatement(
  sql: string,
  count: () => Promise<{ command: string; rowCount: number }>,
): Promise<{ summary: string; details: Record<string, unknown> }> {
  const c = classifySql(sql);
  // From the parse tree: a table name inside a string or a comment cannot stand in for the real one.
  const table = c.table;
  if (!previewable(c)) {
    const why = unavailableBecause(c);
    return {
      summary: `This will run ${c.command || 'a statement'}${table ? ` on ${table}` : ''}; the number of affected rows is unavailable: ${why}.`,
      details: { command: c.command, countUnavailable: why, ...(table ? { table } : {}) },
    };
  }
  const { command, rowCount } = await count();
  const verb = VERBS[command] ?? `run ${command} on`;
  const where = table ? ` ${command === 'INSERT' ? 'into' : 'in'} ${table}` : '';
  return {
    // Column defaults and triggers run in the count too; what they do outside the transaction is not undone.
    summary: `This will ${verb} ${rowCount} record${rowCount === 1 ? '' : 's'}${where} (counted in a transaction that was rolled back; column defaults and triggers ran in it).`,
    details: { command, rowCount, countedInRolledBackTransaction: true, ...(table ? { table } : {}) },
  };
}
