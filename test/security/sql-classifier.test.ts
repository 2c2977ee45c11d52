// Issue #11 item 11: the SQL classifier called writes reads. It now reads PostgreSQL's own parse tree; these are the
// statements the regex classifier got wrong, and the rules that replace it (strictest of several, unknown = write).
import { describe, expect, it } from 'vitest';
import { postgresNode } from '../../nodes/db/postgres.js';
import { classifySql } from '../../nodes/db/sql-classify.js';

const ops = (sql: string) => classifySql(sql).operations;

describe('SQL classification by the PostgreSQL parser', () => {
  it.each([
    // Each was `read` before: EXPLAIN ANALYZE runs its statement; '--' inside a string is no comment; setval writes.
    ['explain analyze delete from t'],
    ['explain (analyze, format json) update t set a = 1'],
    ["select '--'; delete from t"],
    ["select '/*'; delete from t; select '*/'"],
    ['select $$ ; $$; delete from t'],
    ["select setval('s', 1)"],
    ["select nextval('s')"],
    ['select pg_advisory_lock(1)'],
    ["select * from dblink('host=x', 'delete from t') as r(a int)"],
    ["select set_config('search_path', 'evil', false)"],
    ['select myschema.cleanup()'],
    ['select public.count(*) from t'],
    ["values (nextval('s'))"],
    ['select (select lo_unlink(1))'],
    ["with x as (select 1) select 1 from x where exists (select nextval('s'))"],
    ['select 1; drop table t'],
    ['notify ch'],
    ['listen ch'],
    ['lock table t'],
    ["copy t to program 'rm -rf /'"],
    ['call proc()'],
    ['do $$ begin delete from t; end $$'],
    ['set role admin'],
    ['select from where'],
    [''],
  ])('%s is a write', (sql) => expect(ops(sql)).toEqual(['database_write']));

  it.each([
    ['select * from t'],
    ['explain delete from t'],
    ["select count(*), lower(name), now() from t where name like '%;delete%' group by 2"],
    ['select pg_catalog.count(*) from t'],
    ['with x as (select 1 as a) select a from x'],
    ['show work_mem'],
    ['table t'],
    ["select 'a'; select 2"],
  ])('%s is a read', (sql) => expect(ops(sql)).toEqual(['read']));

  it('several statements take the strictest class, and the first command names them', () => {
    expect(classifySql('select 1; update t set a = 1').effect).toBe('dml');
    expect(classifySql('select 1; update t set a = 1; truncate t')).toMatchObject({ effect: 'write', statements: 3, command: 'SELECT' });
  });

  it('count mode is a read only when a rollback undoes everything the statement does', () => {
    const count = (query: string) => postgresNode.operations(postgresNode.configSchema.parse({ query, mode: 'count' }) as never);
    expect(count('delete from t where id > 3')).toEqual(['read']);
    expect(count("delete from t where id = nextval('s')")).toEqual(['database_write']);
    expect(count('drop table t')).toEqual(['database_write']);
  });

  it('SQL text built by an expression is a write: the value could add any call or clause', () => {
    const operations = (query: string) => postgresNode.operations(postgresNode.configSchema.parse({ query }) as never);
    // {{ $json.name }} = "x' or nextval('s') > 0 or '" would make this read advance a sequence.
    expect(operations("select * from customers where name = '{{ $json.name }}'")).toEqual(['database_write']);
    expect(operations('select * from customers where name = $1')).toEqual(['read']);
  });
});
