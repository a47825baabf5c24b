-- Table constraints declared on the table itself: copies that partitions and inheritance
-- children receive from their parent (conparentid set, or not conislocal) come with the parent.
-- {enforced} is conenforced on PostgreSQL 18 and true before (NOT ENFORCED is new in 18).
SELECT con.conname AS name,  -- of the table con.conrelid (table_oid below: see tables.sql)
       con.contype AS type,
       pg_get_constraintdef(con.oid) AS definition,
       con.conrelid AS table_oid,
       con.conkey AS attnums,  -- named by the loader from the columns query
       CASE WHEN con.contype = 'f' THEN con.confrelid::regclass::text END AS ref_table,
       con.condeferrable AS deferrable,
       con.condeferred AS deferred,
       con.convalidated AS validated,
       {enforced} AS enforced,
       d.description AS comment,
       con.oid AS oid,  -- dependency edges name objects by oid (see dependencies.sql)
       CASE WHEN con.contype IN ('p', 'u', 'x') THEN con.conindid END AS index_oid
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_description d
       ON d.objoid = con.oid AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0
WHERE con.conrelid <> 0
  AND con.conparentid = 0
  AND con.conislocal
  AND c.relkind IN ('r', 'p')
  AND c.relnamespace = ANY (%(schemas)s::oid[])
  AND c.oid <> ALL (%(skipped)s::oid[])
