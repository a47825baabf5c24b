-- Ordinary and partitioned tables. Parents are printed as regclass: with the empty search_path
-- the inspector sets, that is always the quoted, schema-qualified name.
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relpersistence AS persistence,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN (
           SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = c.oid)
       END AS partition_of,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       ARRAY(SELECT i.inhparent::regclass::text
             FROM pg_inherits i
             WHERE i.inhrelid = c.oid AND NOT c.relispartition
             ORDER BY i.inhseqno) AS inherits,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       c.reloptions AS options,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(c.relowner) END AS owner,
       CASE WHEN %(privileges)s
            THEN COALESCE(c.relacl, acldefault('r', c.relowner))::text[] END AS acl,
       d.description AS comment,
       c.oid AS oid,  -- dependency edges name objects by oid (see dependencies.sql)
       c.reltype AS type_oid
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE c.relkind IN ('r', 'p')
  AND c.relnamespace = ANY (%(schemas)s::oid[])
  AND c.oid <> ALL (%(skipped)s::oid[])
