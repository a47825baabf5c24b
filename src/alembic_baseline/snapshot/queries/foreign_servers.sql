-- Foreign servers: database-wide (read with globals, see foreign_data_wrappers.sql), not those
-- an extension made. Options whose name looks like a secret keep their name only.
SELECT s.srvname AS name,
       w.fdwname AS wrapper,
       s.srvtype AS type,
       s.srvversion AS version,
       ARRAY(SELECT CASE WHEN o.option_name ~* %(secret_options)s THEN o.option_name
                         ELSE o.option_name || '=' || o.option_value END
             FROM pg_options_to_table(s.srvoptions) AS o ORDER BY o.option_name) AS options,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(s.srvowner) END AS owner,
       CASE WHEN %(privileges)s
            THEN COALESCE(s.srvacl, acldefault('S', s.srvowner))::text[] END AS acl,
       d.description AS comment,
       s.oid AS oid
FROM pg_foreign_server s
JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
LEFT JOIN pg_description d ON d.objoid = s.oid AND d.classoid = 'pg_foreign_server'::regclass
WHERE %(globals)s
  AND NOT EXISTS (SELECT 1 FROM pg_depend x
                  WHERE x.classid = 'pg_foreign_server'::regclass AND x.objid = s.oid
                    AND x.deptype = 'e')
