-- Sequences (never their current value). Identity sequences belong to their column (deptype i).
SELECT n.nspname AS schema,
       c.relname AS name,
       format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart AS start,
       s.seqincrement AS increment,
       s.seqmin AS min_value,
       s.seqmax AS max_value,
       s.seqcache AS cache,
       s.seqcycle AS cycle,
       (SELECT dep.refobjid::regclass::text || '.' || quote_ident(a.attname)
        FROM pg_depend dep
        JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
        WHERE dep.classid = 'pg_class'::regclass AND dep.objid = c.oid
          AND dep.refclassid = 'pg_class'::regclass AND dep.deptype = 'a'
          AND dep.refobjsubid > 0) AS owned_by,
       c.relpersistence AS persistence,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(c.relowner) END AS owner,
       CASE WHEN %(privileges)s
            THEN COALESCE(c.relacl, acldefault('s', c.relowner))::text[] END AS acl,
       d.description AS comment,
       c.oid AS oid  -- dependency edges name objects by oid (see dependencies.sql)
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE c.relnamespace = ANY (%(schemas)s::oid[])
  AND NOT EXISTS (
        SELECT 1 FROM pg_depend e
        WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype IN ('e', 'i'))
