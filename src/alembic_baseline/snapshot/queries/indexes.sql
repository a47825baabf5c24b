-- Indexes that no constraint owns (PK/UNIQUE/EXCLUDE indexes come with their constraint) and
-- that are not a partition's copy of a partitioned index. opclasses lists only non-default ones.
SELECT n.nspname AS schema,
       t.relname AS "table",
       i.relname AS name,
       pg_get_indexdef(x.indexrelid) AS definition,
       am.amname AS method,
       x.indisunique AS "unique",
       ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
             FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k) AS keys,
       ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
             FROM generate_series(x.indnkeyatts + 1, x.indnatts) AS k ORDER BY k) AS include,
       ARRAY(SELECT CASE WHEN oc.opcdefault THEN ''
                         WHEN ons.nspname = 'pg_catalog' THEN quote_ident(oc.opcname)
                         ELSE quote_ident(ons.nspname) || '.' || quote_ident(oc.opcname) END
             FROM unnest(x.indclass::oid[]) WITH ORDINALITY AS o(opc, ord)
             JOIN pg_opclass oc ON oc.oid = o.opc
             JOIN pg_namespace ons ON ons.oid = oc.opcnamespace
             ORDER BY o.ord) AS opclasses,
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
        WHERE e.classid = 'pg_class'::regclass AND e.objid IN (t.oid, i.oid) AND e.deptype = 'e')
