-- Foreign-data wrappers: database-wide, so read only when no schema filter narrows the snapshot
-- (globals), and not those an extension made (postgres_fdw's: the extension stands for them).
-- Options whose name looks like a secret keep their name only (secret_options): the value
-- never leaves the server.
SELECT w.fdwname AS name,
       CASE WHEN w.fdwhandler <> 0 THEN w.fdwhandler::regproc::text END AS handler,
       CASE WHEN w.fdwvalidator <> 0 THEN w.fdwvalidator::regproc::text END AS validator,
       ARRAY(SELECT CASE WHEN o.option_name ~* %(secret_options)s THEN o.option_name
                         ELSE o.option_name || '=' || o.option_value END
             FROM pg_options_to_table(w.fdwoptions) AS o ORDER BY o.option_name) AS options,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(w.fdwowner) END AS owner,
       CASE WHEN %(privileges)s
            THEN COALESCE(w.fdwacl, acldefault('F', w.fdwowner))::text[] END AS acl,
       d.description AS comment,
       w.oid AS oid  -- dependency edges name objects by oid (see dependencies.sql)
FROM pg_foreign_data_wrapper w
LEFT JOIN pg_description d
       ON d.objoid = w.oid AND d.classoid = 'pg_foreign_data_wrapper'::regclass
WHERE %(globals)s
  AND NOT EXISTS (SELECT 1 FROM pg_depend x
                  WHERE x.classid = 'pg_foreign_data_wrapper'::regclass AND x.objid = w.oid
                    AND x.deptype = 'e')
