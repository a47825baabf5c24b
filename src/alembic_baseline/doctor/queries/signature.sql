-- The "signature" of a schema: how many relations, constraints, functions, triggers, enum
-- labels and comments it has, in one row. Every count is an index range scan from
-- OID 16384 (FirstNormalObjectId: initdb's objects are never user objects) over a small catalog,
-- so it costs about a tenth of a millisecond and is taken after every revision of a replay;
-- columns and indexes, whose catalogs are large, are left to the shape. Only states whose
-- signature equals production's are looked at more closely. Like the shape it leaves out the
-- version table and temporary objects, and holds nothing a snapshot does not compare: only the
-- relation, type and routine kinds it models (the relkinds, typtypes and prokinds arrays, derived
-- from snapshot/kinds.py), their constraints and the comments it reads.
-- {version_table} / {version_schema} are literals.
WITH temp AS (
    SELECT n.oid FROM pg_namespace n WHERE n.nspname ~ '^pg_(toast_)?temp_'
), rel AS (
    SELECT c.oid FROM pg_class c
    WHERE c.oid >= 16384 AND c.relkind::text = ANY ({relkinds}::text[])
      AND c.relnamespace NOT IN (SELECT oid FROM temp)
), vt AS (
    SELECT c.oid
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relname = {version_table} AND c.relkind IN ('r', 'p')
      AND ({version_schema}::text IS NULL OR n.nspname = {version_schema})
)
SELECT ARRAY[
    (SELECT count(*) FROM rel WHERE rel.oid NOT IN (SELECT oid FROM vt)),
    (SELECT count(*) FROM pg_constraint con
     WHERE con.oid >= 16384 AND con.conrelid NOT IN (SELECT oid FROM vt)
       AND (con.conrelid = 0 OR con.conrelid IN (SELECT oid FROM rel))
       AND con.connamespace NOT IN (SELECT oid FROM temp)),
    (SELECT count(*) FROM pg_proc p
     WHERE p.oid >= 16384 AND p.prokind::text = ANY ({prokinds}::text[])
       AND p.pronamespace NOT IN (SELECT oid FROM temp)
       AND NOT EXISTS (SELECT 1 FROM pg_depend x  -- a range type's constructors: skipped.sql
                       WHERE x.classid = 'pg_proc'::regclass AND x.objid = p.oid
                         AND x.deptype = 'i' AND x.refclassid = 'pg_type'::regclass)),
    (SELECT count(*) FROM pg_trigger t
     WHERE t.oid >= 16384 AND NOT t.tgisinternal AND t.tgrelid NOT IN (SELECT oid FROM vt)
       AND t.tgrelid IN (SELECT oid FROM rel)),
    (SELECT count(*) FROM pg_enum e WHERE e.oid >= 16384),
    (SELECT count(*) FROM pg_description d
     WHERE d.objoid >= 16384 AND d.objoid NOT IN (SELECT oid FROM vt)
       AND CASE d.classoid
           WHEN 'pg_class'::regclass THEN d.objoid IN (SELECT oid FROM rel) OR EXISTS (
               SELECT 1 FROM pg_index x WHERE x.indexrelid = d.objoid
                                          AND x.indrelid IN (SELECT oid FROM rel))
           WHEN 'pg_type'::regclass THEN EXISTS (
               SELECT 1 FROM pg_type t WHERE t.oid = d.objoid
                 AND t.typtype::text = ANY ({typtypes}::text[]))
           WHEN 'pg_proc'::regclass THEN EXISTS (
               SELECT 1 FROM pg_proc p WHERE p.oid = d.objoid
                 AND p.prokind::text = ANY ({prokinds}::text[]))
           ELSE d.classoid IN ('pg_namespace'::regclass, 'pg_constraint'::regclass,
                               'pg_trigger'::regclass, 'pg_policy'::regclass,
                               'pg_event_trigger'::regclass)
           END)
]::bigint[]
