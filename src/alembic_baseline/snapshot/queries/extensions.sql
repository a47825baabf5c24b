-- Installed extensions with their version (their member objects are left out everywhere).
SELECT x.extname AS name,
       n.nspname AS schema,
       x.extversion AS version,
       d.description AS comment
FROM pg_extension x
JOIN pg_namespace n ON n.oid = x.extnamespace
LEFT JOIN pg_description d
       ON d.objoid = x.oid AND d.classoid = 'pg_extension'::regclass AND d.objsubid = 0
ORDER BY x.extname
