-- Enum types with their labels in sort order.
SELECT n.nspname AS schema,
       t.typname AS name,
       ARRAY(SELECT e.enumlabel FROM pg_enum e
             WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(t.typowner) END AS owner,
       CASE WHEN %(privileges)s
            THEN COALESCE(t.typacl, acldefault('T', t.typowner))::text[] END AS acl,
       d.description AS comment,
       t.oid AS oid  -- dependency edges name objects by oid (see dependencies.sql)
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass AND d.objsubid = 0
WHERE t.typtype = 'e'
  AND t.typnamespace = ANY (%(schemas)s::oid[])
  AND t.oid <> ALL (%(skipped_types)s::oid[])
