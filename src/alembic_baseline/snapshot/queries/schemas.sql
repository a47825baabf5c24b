-- Schemas the snapshot covers: no system schema, none an extension created, and only those the
-- include/exclude options let through. The OIDs are used to filter every other query, never stored.
SELECT n.oid AS oid,
       n.nspname AS name,
       pg_get_userbyid(n.nspowner) AS owner,
       COALESCE(n.nspacl, acldefault('n', n.nspowner))::text[] AS acl,
       d.description AS comment
FROM pg_namespace n
LEFT JOIN pg_description d
       ON d.objoid = n.oid AND d.classoid = 'pg_namespace'::regclass AND d.objsubid = 0
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname !~ '^pg_(toast_)?temp_'
  AND (%(include)s::text[] IS NULL OR n.nspname = ANY (%(include)s::text[]))
  AND NOT n.nspname = ANY (%(exclude)s::text[])
  AND NOT EXISTS (
        SELECT 1 FROM pg_depend e
        WHERE e.classid = 'pg_namespace'::regclass AND e.objid = n.oid AND e.deptype = 'e')
ORDER BY n.nspname
