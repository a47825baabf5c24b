-- Indexes that no constraint owns (PK/UNIQUE/EXCLUDE indexes come with their constraint) and
-- that are not a partition's copy of a partitioned index. Key and INCLUDE columns are read from
-- the definition by the loader: per-column catalog calls would cost more than the whole query.
SELECT n.nspname AS schema,
       t.relname AS "table",
       i.relname AS name,
       pg_get_indexdef(x.indexrelid) AS definition,
       am.amname AS method,
       x.indisunique AS "unique",
       pg_get_expr(x.indpred, x.indrelid) AS predicate,
       x.indnullsnotdistinct AS nulls_not_distinct,
       d.description AS comment
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
LEFT JOIN pg_description d
       ON d.objoid = i.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE t.relkind IN ('r', 'p', 'm')
  AND NOT i.relispartition
  AND t.relnamespace = ANY (%(schemas)s::oid[])
  AND t.oid <> ALL (%(skipped)s::oid[])
  AND NOT EXISTS (
        SELECT 1 FROM pg_constraint con
        WHERE con.conindid = x.indexrelid AND con.conrelid = x.indrelid
          AND con.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (
        SELECT 1 FROM pg_depend e
        WHERE e.classid = 'pg_class'::regclass AND e.objid = t.oid AND e.deptype = 'e')
