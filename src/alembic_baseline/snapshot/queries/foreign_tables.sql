-- Foreign tables, with their columns and CHECK constraints as JSON arrays (in column and name
-- order). Options whose name looks like a secret keep their name only. Parents are printed as
-- regclass: with the inspector's empty search_path, always schema-qualified.
SELECT n.nspname AS schema,
       c.relname AS name,
       s.srvname AS server,
       ARRAY(SELECT CASE WHEN o.option_name ~* %(secret_options)s THEN o.option_name
                         ELSE o.option_name || '=' || o.option_value END
             FROM pg_options_to_table(ft.ftoptions) AS o ORDER BY o.option_name) AS options,
       (SELECT COALESCE(json_agg(json_build_object(
                  'name', a.attname,
                  'type', format_type(a.atttypid, a.atttypmod),
                  'not_null', a.attnotnull,
                  'default', pg_get_expr(ad.adbin, ad.adrelid),
                  'collation', CASE WHEN a.attcollation <> t.typcollation
                                    THEN a.attcollation::regcollation::text END,
                  'options', ARRAY(SELECT CASE WHEN o.option_name ~* %(secret_options)s
                                               THEN o.option_name
                                               ELSE o.option_name || '=' || o.option_value END
                                   FROM pg_options_to_table(a.attfdwoptions) AS o
                                   ORDER BY o.option_name),
                  'local', a.attislocal,
                  'comment', cd.description) ORDER BY a.attnum), '[]')
        FROM pg_attribute a
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        LEFT JOIN pg_description cd
               ON cd.objoid = a.attrelid AND cd.classoid = 'pg_class'::regclass
              AND cd.objsubid = a.attnum
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT COALESCE(json_agg(json_build_object('name', con.conname,
                                                   'definition', pg_get_constraintdef(con.oid))
                                 ORDER BY con.conname), '[]')
        FROM pg_constraint con
        WHERE con.conrelid = c.oid AND con.contype = 'c' AND con.conislocal) AS checks,
       CASE WHEN c.relispartition THEN (
           SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = c.oid)
       END AS partition_of,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       ARRAY(SELECT i.inhparent::regclass::text
             FROM pg_inherits i
             WHERE i.inhrelid = c.oid AND NOT c.relispartition
             ORDER BY i.inhseqno) AS inherits,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(c.relowner) END AS owner,
       CASE WHEN %(privileges)s
            THEN COALESCE(c.relacl, acldefault('r', c.relowner))::text[] END AS acl,
       d.description AS comment,
       c.oid AS oid,
       c.reltype AS type_oid
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
JOIN pg_foreign_server s ON s.oid = ft.ftserver
LEFT JOIN pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE c.relkind = 'f'
  AND c.relnamespace = ANY (%(schemas)s::oid[])
  AND c.oid <> ALL (%(skipped)s::oid[])
