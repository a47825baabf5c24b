-- Domains; their CHECK constraints as two arrays in name order (names, definitions).
SELECT n.nspname AS schema,
       t.typname AS name,
       format_type(t.typbasetype, t.typtypmod) AS base_type,
       t.typnotnull AS not_null,
       t.typdefault AS "default",
       CASE WHEN t.typcollation <> b.typcollation THEN t.typcollation::regcollation::text END
           AS collation,
       ARRAY(SELECT con.conname FROM pg_constraint con
             WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname) AS check_names,
       ARRAY(SELECT pg_get_constraintdef(con.oid) FROM pg_constraint con
             WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname) AS check_defs,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(t.typowner) END AS owner,
       CASE WHEN %(privileges)s
            THEN COALESCE(t.typacl, acldefault('T', t.typowner))::text[] END AS acl,
       d.description AS comment,
       t.oid AS oid  -- dependency edges name objects by oid (see dependencies.sql)
FROM pg_type t
JOIN pg_type b ON b.oid = t.typbasetype
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass AND d.objsubid = 0
WHERE t.typtype = 'd'
  AND t.typnamespace = ANY (%(schemas)s::oid[])
  AND t.oid <> ALL (%(skipped_types)s::oid[])
