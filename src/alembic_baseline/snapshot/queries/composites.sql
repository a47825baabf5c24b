-- Stand-alone composite types (CREATE TYPE ... AS); attributes as parallel arrays in order.
SELECT n.nspname AS schema,
       t.typname AS name,
       ARRAY(SELECT a.attname FROM pg_attribute a
             WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS attr_names,
       ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
             WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS attr_types,
       ARRAY(SELECT CASE WHEN a.attcollation <> at.typcollation
                         THEN a.attcollation::regcollation::text ELSE '' END
             FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
             WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS attr_collations,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(t.typowner) END AS owner,
       CASE WHEN %(privileges)s
            THEN COALESCE(t.typacl, acldefault('T', t.typowner))::text[] END AS acl,
       d.description AS comment,
       t.oid AS oid  -- dependency edges name objects by oid (see dependencies.sql)
FROM pg_type t
JOIN pg_class c ON c.oid = t.typrelid
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass AND d.objsubid = 0
WHERE t.typtype = 'c'
  AND c.relkind = 'c'
  AND t.typnamespace = ANY (%(schemas)s::oid[])
  AND t.oid <> ALL (%(skipped_types)s::oid[])
