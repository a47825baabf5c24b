-- Indexes that no constraint owns (PK/UNIQUE/EXCLUDE indexes come with their constraint) and
-- that are not a partition's copy of a partitioned index.
--
-- pg_get_indexdef() looks up the default operator class of every key column (a catalog scan per
-- column: three quarters of this query on a large schema). So it is only called here for the
-- indexes whose text it alone can spell (expressions, sort options, storage or opclass options,
-- a non-default opclass, partitioned indexes); for the others "definition" is NULL and the
-- inspector spells the same text from the parts below (attnums, opclasses, collations) and the
-- column rows, falling back to pg_get_indexdef for any it cannot prove plain.
SELECT n.nspname AS schema,
       t.relname AS "table",
       i.relname AS name,
       CASE WHEN x.indexprs IS NULL AND i.relkind = 'i' AND i.reloptions IS NULL
                 AND 0 = ALL (x.indoption::int2[])
                 AND x.indclass::oid[] <@ (SELECT array_agg(oid) FROM pg_opclass WHERE opcdefault)
                 AND NOT EXISTS (SELECT 1 FROM pg_attribute ia
                                 WHERE ia.attrelid = x.indexrelid AND ia.attoptions IS NOT NULL)
            THEN NULL ELSE pg_get_indexdef(x.indexrelid) END AS definition,
       x.indexrelid AS oid,
       quote_ident(i.relname) || ' ON ' || quote_ident(n.nspname) || '.' || quote_ident(t.relname)
           || ' USING ' || quote_ident(am.amname) AS spelled_target,
       x.indrelid AS table_oid,
       x.indkey::int2[] AS attnums,
       x.indnkeyatts AS key_count,
       x.indclass::oid[] AS opclasses,
       x.indcollation::oid[] AS collations,
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
