// The allowlists behind the SQL classifier: parse-tree node kinds that only compute or read, and built-in functions
// with no effect outside their result. Deliberately small: what is missing counts as a write, which costs an approval,
// never a silent change. (nextval, setval, pg_advisory_lock, dblink, set_config, pg_sleep, lo_*... are absent on purpose.)

/** Expression and clause nodes of a SELECT that read or compute only (functions are checked by name separately). */
export const READ_ONLY_NODE_KINDS: ReadonlySet<string> = new Set([
  'SelectStmt', 'ResTarget', 'ColumnRef', 'A_Const', 'A_Star', 'String', 'Integer', 'Float', 'Boolean', 'BitString',
  'TypeCast', 'TypeName', 'RangeVar', 'Alias', 'JoinExpr', 'RangeSubselect', 'RangeFunction', 'SubLink', 'SortBy',
  'A_Expr', 'BoolExpr', 'NullTest', 'BooleanTest', 'CaseExpr', 'CaseWhen', 'CoalesceExpr', 'MinMaxExpr', 'NullIfExpr',
  'A_Indirection', 'A_Indices', 'A_ArrayExpr', 'RowExpr', 'List', 'ParamRef', 'WithClause', 'CommonTableExpr',
  'WindowDef', 'GroupingSet', 'SQLValueFunction', 'CollateClause', 'NamedArgExpr', 'FuncCall', 'DefElem',
  'CTESearchClause', 'CTECycleClause', 'RangeTableSample', 'XmlExpr', 'JsonIsPredicate', 'JsonValueExpr',
  'JsonFormat', 'JsonOutput', 'JsonReturning', 'JsonKeyValue', 'JsonObjectConstructor', 'JsonArrayConstructor',
  'JsonArrayAgg', 'JsonObjectAgg', 'JsonAggConstructor', 'JsonFuncExpr', 'JsonArgument', 'JsonBehavior',
  'JsonParseExpr', 'JsonScalarExpr', 'JsonSerializeExpr', 'JsonTable', 'JsonTableColumn', 'JsonTablePathSpec',
  'ExplainStmt', 'VariableShowStmt',
  // Parts of INSERT/UPDATE/DELETE/MERGE; the statements themselves are row changes (dml), classified apart.
  'OnConflictClause', 'InferClause', 'IndexElem', 'MergeWhenClause', 'MultiAssignRef', 'SetToDefault',
  'CurrentOfExpr', 'ReturningOption', 'ReturningExpr',
]);

/** Functions (unqualified or in pg_catalog) that read or compute and touch nothing outside the query. */
export const READ_ONLY_FUNCTIONS: ReadonlySet<string> = new Set([
  // aggregates and window functions
  'count', 'sum', 'avg', 'min', 'max', 'array_agg', 'string_agg', 'bool_and', 'bool_or', 'every', 'json_agg',
  'jsonb_agg', 'json_object_agg', 'jsonb_object_agg', 'stddev', 'variance', 'percentile_cont', 'percentile_disc',
  'mode', 'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'first_value',
  'last_value', 'nth_value',
  // text
  'lower', 'upper', 'initcap', 'length', 'char_length', 'character_length', 'octet_length', 'substring', 'substr',
  'trim', 'btrim', 'ltrim', 'rtrim', 'replace', 'translate', 'concat', 'concat_ws', 'left', 'right', 'position',
  'strpos', 'split_part', 'starts_with', 'format', 'lpad', 'rpad', 'reverse', 'md5', 'regexp_replace',
  'regexp_match', 'regexp_matches', 'regexp_split_to_array', 'regexp_like', 'string_to_array', 'array_to_string',
  'to_char', 'to_number', 'to_date', 'to_timestamp', 'quote_ident', 'quote_literal', 'encode', 'decode',
  // numbers, dates
  'abs', 'ceil', 'ceiling', 'floor', 'round', 'trunc', 'mod', 'power', 'sqrt', 'exp', 'ln', 'log', 'sign',
  'random', 'now', 'date_trunc', 'date_part', 'extract', 'age', 'make_date', 'make_timestamp', 'make_interval',
  'timezone', 'clock_timestamp', 'statement_timestamp', 'transaction_timestamp',
  // json, arrays, rows
  'to_json', 'to_jsonb', 'row_to_json', 'json_build_object', 'jsonb_build_object', 'json_build_array',
  'jsonb_build_array', 'json_extract_path', 'json_extract_path_text', 'jsonb_extract_path', 'jsonb_extract_path_text',
  'json_array_elements', 'jsonb_array_elements', 'jsonb_array_elements_text', 'json_array_length',
  'jsonb_array_length', 'json_typeof', 'jsonb_typeof', 'jsonb_set', 'jsonb_strip_nulls', 'jsonb_pretty',
  'jsonb_object_keys', 'json_object_keys', 'jsonb_each', 'json_each', 'jsonb_path_query', 'jsonb_path_exists',
  'array_length', 'array_position', 'array_append', 'array_cat', 'cardinality', 'unnest', 'generate_series',
  'gen_random_uuid', 'coalesce', 'nullif', 'greatest', 'least', 'pg_typeof',
]);
