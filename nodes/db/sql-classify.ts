// What a SQL statement does, for the approval policy: reads are `read`, anything else is `database_write`.
// Conservative on purpose: a statement we cannot classify as read-only counts as a write.

const READ_ONLY = /^(select|show|explain|values|table)\b/i;

/** Removes comments and string literals, so keywords inside them do not count. */
function skeleton(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""')
    .replace(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, "''");
}

export function statementCount(sql: string): number {
  return skeleton(sql)
    .split(';')
    .filter((s) => s.trim().length > 0).length;
}

export function classifySql(sql: string): { operations: ('read' | 'database_write')[]; command: string } {
  const s = skeleton(sql).trim();
  const command = (/^\s*(\w+)/.exec(s)?.[1] ?? '').toUpperCase();
  // WITH ... SELECT is a read unless a data-modifying CTE hides inside.
  const withWrite = /^with\b/i.test(s) && /\b(insert|update|delete|merge)\b/i.test(s);
  const read = (READ_ONLY.test(s) && !/\binto\b/i.test(s.split(/\bfrom\b/i)[0] ?? '')) || (/^with\b/i.test(s) && !withWrite);
  const lockingRead = /\bfor\s+(update|share|no key update|key share)\b/i.test(s);
  return { operations: read && !lockingRead ? ['read'] : ['database_write'], command };
}
