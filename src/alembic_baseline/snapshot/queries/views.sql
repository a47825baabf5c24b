-- Views and materialized views, with the definition as the server prints it back.
SELECT n.nspname AS schema,
       c.relname AS name,
       pg_get_viewdef(c.oid, true) AS definition,
       c.relkind = 'm' AS materialized,
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
WHERE c.relkind IN ('v', 'm')
  AND c.relnamespace = ANY (%(schemas)s::oid[])
  AND c.oid <> ALL (%(skipped)s::oid[])
