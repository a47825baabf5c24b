-- Normal dependencies (pg_depend deptype n) between objects the snapshot names: what has to be
-- dropped and recreated when the referenced object is dropped or recreated. Both sides are
-- mapped to (kind, schema, name, table) keys; a reference to a table column becomes a column key.
WITH rel AS (
    SELECT c.oid, n.nspname AS schema, c.relname, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relnamespace = ANY (%(schemas)s::oid[])
), fn AS (
    SELECT p.oid, n.nspname AS schema,
           p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name,
           CASE WHEN p.prokind = 'p' THEN 'procedure' ELSE 'function' END AS kind
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.pronamespace = ANY (%(schemas)s::oid[]) AND p.prokind IN ('f', 'p', 'w')
), referenced (classid, objid, kind, schema, name, tbl) AS (
    SELECT 'pg_class'::regclass, r.oid,
           CASE r.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                          WHEN 'S' THEN 'sequence' ELSE 'table' END,
           r.schema, r.relname, ''
    FROM rel r WHERE r.relkind IN ('r', 'p', 'v', 'm', 'S')
    UNION ALL
    SELECT 'pg_class'::regclass, con.conindid, 'constraint', r.schema, con.conname, r.relname
    FROM pg_constraint con JOIN rel r ON r.oid = con.conrelid
    WHERE con.contype IN ('p', 'u', 'x')
    UNION ALL
    SELECT 'pg_proc'::regclass, f.oid, f.kind, f.schema, f.name, '' FROM fn f
    UNION ALL
    -- types; the row type of a table or view stands for the relation itself
    SELECT 'pg_type'::regclass, t.oid,
           CASE WHEN t.typtype = 'e' THEN 'enum' WHEN t.typtype = 'd' THEN 'domain'
                WHEN tc.relkind = 'c' THEN 'composite type' WHEN tc.relkind = 'v' THEN 'view'
                WHEN tc.relkind = 'm' THEN 'materialized view' ELSE 'table' END,
           n.nspname, t.typname, ''
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_class tc ON tc.oid = t.typrelid
    WHERE t.typnamespace = ANY (%(schemas)s::oid[])
      AND (t.typtype IN ('e', 'd')
           OR (t.typtype = 'c' AND tc.relkind IN ('c', 'r', 'p', 'v', 'm')))
), dependent (classid, objid, kind, schema, name, tbl) AS (
    SELECT 'pg_rewrite'::regclass, rw.oid,
           CASE r.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END, r.schema, r.relname, ''
    FROM pg_rewrite rw JOIN rel r ON r.oid = rw.ev_class WHERE r.relkind IN ('v', 'm')
    UNION ALL
    SELECT 'pg_proc'::regclass, f.oid, f.kind, f.schema, f.name, '' FROM fn f
    UNION ALL
    SELECT 'pg_constraint'::regclass, con.oid, 'constraint', r.schema, con.conname, r.relname
    FROM pg_constraint con JOIN rel r ON r.oid = con.conrelid
    UNION ALL
    SELECT 'pg_trigger'::regclass, t.oid, 'trigger', r.schema, t.tgname, r.relname
    FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
    UNION ALL
    SELECT 'pg_policy'::regclass, p.oid, 'policy', r.schema, p.polname, r.relname
    FROM pg_policy p JOIN rel r ON r.oid = p.polrelid
    UNION ALL
    SELECT 'pg_attrdef'::regclass, ad.oid, 'default', r.schema, a.attname, r.relname
    FROM pg_attrdef ad JOIN rel r ON r.oid = ad.adrelid
    JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
    UNION ALL
    SELECT 'pg_class'::regclass, r.oid, 'index', r.schema, r.relname, tr.relname
    FROM rel r JOIN pg_index x ON x.indexrelid = r.oid JOIN pg_class tr ON tr.oid = x.indrelid
    WHERE r.relkind IN ('i', 'I')
)
SELECT  -- no DISTINCT: the snapshot keeps a set of edges (9 of 47 ms)
       dep.kind AS dep_kind, dep.schema AS dep_schema, dep.name AS dep_name, dep.tbl AS dep_table,
       CASE WHEN d.refobjsubid > 0 AND ref.kind = 'table' THEN 'column' ELSE ref.kind END
           AS ref_kind,
       ref.schema AS ref_schema,
       CASE WHEN d.refobjsubid > 0 AND ref.kind = 'table' THEN a.attname ELSE ref.name END
           AS ref_name,
       CASE WHEN d.refobjsubid > 0 AND ref.kind = 'table' THEN ref.name ELSE ref.tbl END
           AS ref_table
FROM pg_depend d
JOIN dependent dep ON dep.classid = d.classid AND dep.objid = d.objid
JOIN referenced ref ON ref.classid = d.refclassid AND ref.objid = d.refobjid
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.deptype = 'n'
