// What a SQL statement does, for the approval policy and the approval preview, read from PostgreSQL's own parser
// (libpg-query): a regex over SQL text cannot know where strings, comments and dollar quotes end, the parser can.
// Conservative on purpose: a statement kind, a node kind or a function not known to be read-only makes it a write.
import { loadModule, parseSync } from 'libpg-query';
import { READ_ONLY_FUNCTIONS, READ_ONLY_NODE_KINDS } from './sql-read-only.js';

// The parser is WebAssembly; loading it once here lets every caller (the compiler's synchronous passes too) parse.
await loadModule();

/** `read`: changes nothing. `dml`: changes rows, and a rollback undoes it. `write`: anything else. */
export type SqlEffect = 'read' | 'dml' | 'write';

export interface SqlClassification {
  operations: ('read' | 'database_write')[];
  /** The first statement's kind in PostgreSQL's tag style (SELECT, DELETE, ...). */
  command: string;
  /** undefined when the text does not parse. */
  statements: number | undefined;
  effect: SqlEffect;
  /** Calls a rollback would not undo, or that we cannot vouch for (nextval, setval, dblink, user functions...). */
  unsafeFunctions: string[];
  /** Why the statement is not a read, for the approval text. */
  reasons: string[];
  /** The table the first statement changes (or reads first), as the parser read it: for the approval text. */
  table: string | undefined;
}

type Json = unknown;

const DML: Record<string, string> = { InsertStmt: 'INSERT', UpdateStmt: 'UPDATE', DeleteStmt: 'DELETE', MergeStmt: 'MERGE' };
const READ_STATEMENTS: Record<string, string> = { SelectStmt: 'SELECT', VariableShowStmt: 'SHOW', ExplainStmt: 'EXPLAIN' };
const RANK: Record<SqlEffect, number> = { read: 0, dml: 1, write: 2 };

/** The tag a statement node kind stands for: `DropStmt` -> `DROP`, `AlterTableStmt` -> `ALTER TABLE`. */
function tagOf(kind: string): string {
  return (
    DML[kind] ??
    READ_STATEMENTS[kind] ??
    kind
      .replace(/Stmt$/, '')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toUpperCase()
  );
}

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A function's name as written: the last part, and its schema when qualified. */
function functionName(funcname: Json): { schema: string | undefined; name: string } {
  const parts = (Array.isArray(funcname) ? funcname : []).map((p) =>
    isRecord(p) && isRecord(p.String) ? String(p.String.sval ?? '') : '?',
  );
  return { schema: parts.length > 1 ? parts[parts.length - 2] : undefined, name: (parts[parts.length - 1] ?? '?').toLowerCase() };
}

function relationName(v: Json): string | undefined {
  if (!isRecord(v)) return undefined;
  const rel = isRecord(v.RangeVar) ? v.RangeVar : v;
  return typeof rel.relname === 'string' ? [rel.schemaname, rel.relname].filter((p) => typeof p === 'string').join('.') : undefined;
}

/** The target of INSERT/UPDATE/DELETE/MERGE, or the first table a SELECT reads. */
function tableOf(fields: Json): string | undefined {
  if (!isRecord(fields)) return undefined;
  const from = Array.isArray(fields.fromClause) ? fields.fromClause[0] : undefined;
  return relationName(fields.relation) ?? relationName(from);
}

class Walk {
  effect: SqlEffect = 'read';
  readonly unsafeFunctions = new Set<string>();
  readonly reasons = new Set<string>();

  raise(effect: SqlEffect, reason: string): void {
    if (RANK[effect] > RANK[this.effect]) this.effect = effect;
    this.reasons.add(reason);
  }

  /** Visits a value of the tree: nodes are one-key objects `{Kind: fields}`, lists are arrays, the rest are fields. */
  value(v: Json): void {
    if (Array.isArray(v)) for (const item of v) this.value(item);
    else if (isRecord(v)) {
      const keys = Object.keys(v);
      const kind = keys[0];
      // A node kind is capitalised (SelectStmt, A_Const); plain field objects (a nested struct) are walked through.
      if (keys.length === 1 && kind && /^[A-Z]/.test(kind)) this.node(kind, v[kind]);
      else for (const k of keys) this.value(v[k]);
    }
  }

  node(kind: string, fields: Json): void {
    const f = isRecord(fields) ? fields : {};
    if (kind === 'FuncCall') {
      const { schema, name } = functionName(f.funcname);
      if ((schema !== undefined && schema !== 'pg_catalog') || !READ_ONLY_FUNCTIONS.has(name)) {
        this.unsafeFunctions.add(schema ? `${schema}.${name}` : name);
        this.raise('write', `calls ${schema ? `${schema}.` : ''}${name}(), which is not known to be read-only`);
      }
    } else if (kind === 'SelectStmt') {
      if (f.intoClause !== undefined) this.raise('write', 'SELECT INTO creates a table');
      if (f.lockingClause !== undefined) this.raise('dml', 'locks the rows it reads (FOR UPDATE/SHARE)');
    } else if (kind === 'ExplainStmt') {
      const analyze = (Array.isArray(f.options) ? f.options : []).some(
        (o) => isRecord(o) && isRecord(o.DefElem) && o.DefElem.defname === 'analyze',
      );
      // Without ANALYZE the statement is only planned, never run.
      if (!analyze) return;
    } else if (DML[kind]) {
      this.raise('dml', `${DML[kind]} changes rows`);
    } else if (!READ_ONLY_NODE_KINDS.has(kind) && kind !== 'VariableShowStmt') {
      this.raise('write', /Stmt$/.test(kind) ? `${tagOf(kind)} is not a read` : `contains ${kind}, which is not known to be read-only`);
    }
    this.value(fields);
  }
}

export function classifySql(sql: string): SqlClassification {
  let stmts: Json[];
  try {
    const tree = parseSync(sql) as { stmts?: Json[] };
    stmts = tree.stmts ?? [];
  } catch (err) {
    const reason = `PostgreSQL's parser does not accept it (${err instanceof Error ? err.message : String(err)})`;
    return {
      operations: ['database_write'],
      command: '',
      statements: undefined,
      effect: 'write',
      unsafeFunctions: [],
      reasons: [reason],
      table: undefined,
    };
  }
  const walk = new Walk();
  let command = '';
  let table: string | undefined;
  for (const [i, raw] of stmts.entries()) {
    const stmt = isRecord(raw) ? raw.stmt : undefined;
    const kind = isRecord(stmt) ? Object.keys(stmt)[0] : undefined;
    if (i === 0) {
      command = kind ? tagOf(kind) : '';
      table = kind && isRecord(stmt) ? tableOf(stmt[kind]) : undefined;
    }
    if (kind && !READ_STATEMENTS[kind] && !DML[kind]) walk.raise('write', `${tagOf(kind)} is not a read`);
    walk.value(stmt);
  }
  if (stmts.length === 0) walk.raise('write', 'there is no statement');
  // Several statements take the strictest class among them (the walk keeps the maximum).
  return {
    operations: walk.effect === 'read' ? ['read'] : ['database_write'],
    command,
    statements: stmts.length,
    effect: walk.effect,
    unsafeFunctions: [...walk.unsafeFunctions],
    reasons: [...walk.reasons],
    table,
  };
}

/** undefined when PostgreSQL's parser does not accept the text. */
export function statementCount(sql: string): number | undefined {
  return classifySql(sql).statements;
}

/**
 * Whether the approval preview may run the statement in a transaction it rolls back: only reads and row changes
 * whose every function is known to be free of effects outside the transaction (nextval, dblink, advisory locks).
 */
export function previewable(c: SqlClassification): boolean {
  return c.statements === 1 && c.effect !== 'write' && c.unsafeFunctions.length === 0;
}
