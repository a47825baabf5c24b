-- The "shape" of a schema: one row per object (kind, qualified name, a short detail), cheap
-- enough to run after every revision of a replay: no deparsing of view, index or constraint
-- definitions, and every catalog is entered through OIDs >= 16384 (FirstNormalObjectId: what
-- initdb created is never a user object) or through the user relations, never scanned whole.
-- It only holds what a catalog snapshot also compares (names, types, nullability, enum labels,
-- function bodies, comments), so schemas with equal snapshots always have the same shape; the
-- converse is checked with a full snapshot. No OIDs or attnums appear in the output: the shape
-- of a scratch replay must be comparable with production's. Type names come from joins, not
-- from format_type(): catalog rows are read at the query's snapshot, cached lookups are not.
-- INVALID indexes named in {leftovers} (interrupted CREATE INDEX CONCURRENTLY of revisions not
-- recorded as applied) are left out: they are not part of any revision's schema.
-- Every name is cast to text in every branch: a UNION ALL whose first branch yields `name`
-- (63 bytes) would truncate the qualified names of all the others, and objects whose combined
-- identity (schema.table.constraint) share their first 63 bytes would collide.
-- Only the relation, type and routine kinds the snapshot models are counted (the relkinds,
-- typtypes and prokinds arrays, derived from snapshot/kinds.py), so two databases with equal
-- snapshots never get different shapes (an aggregate or a range type the snapshot skips would).
-- {version_table}, {version_schema} and {leftovers} (text[] of schema.index) are literals.
WITH rel AS MATERIALIZED (
    SELECT c.oid, c.relkind, n.nspname::text || '.' || c.relname::text AS qname
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid >= 16384
      AND c.relkind::text = ANY ({relkinds}::text[])
      AND n.nspname !~ '^pg_(toast_)?temp_' AND n.nspname <> 'pg_toast'
      AND NOT (c.relkind IN ('r', 'p') AND c.relname = {version_table}
               AND ({version_schema}::text IS NULL OR n.nspname = {version_schema}))
)
SELECT shape.kind::text, shape.name::text, shape.detail::text FROM (
SELECT 'schema'::text, n.nspname::text, md5(coalesce(obj_description(n.oid, 'pg_namespace'), ''))
FROM pg_namespace n
WHERE (n.oid >= 16384 OR n.nspname = 'public') AND n.nspname !~ '^pg_(toast_)?temp_'
UNION ALL
SELECT 'extension', x.extname::text, x.extversion
FROM pg_extension x
UNION ALL
SELECT 'relation', r.qname, r.relkind::text || ' ' || coalesce(md5(d.description), '')
FROM rel r
LEFT JOIN pg_description d
       ON d.objoid = r.oid AND d.classoid = 1259 AND d.objsubid = 0
UNION ALL
SELECT 'sequence', r.qname, concat_ws(' ', s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
                                      s.seqcache, s.seqcycle)
FROM rel r
JOIN pg_sequence s ON s.seqrelid = r.oid
UNION ALL
SELECT 'column', r.qname || '.' || a.attname,
       concat_ws(' ', tn.nspname, t.typname, a.atttypmod, a.attndims, a.attnotnull,
                 a.attidentity, a.attgenerated, a.atthasdef, md5(d.description))
FROM rel r
JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_description d
       ON d.objoid = r.oid AND d.classoid = 1259 AND d.objsubid = a.attnum
WHERE r.relkind <> 'S'
UNION ALL
SELECT 'index', r.qname || '.' || i.relname, concat_ws(' ', x.indisunique, x.indnatts)
FROM rel r
JOIN pg_index x ON x.indrelid = r.oid
JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indisvalid
   OR NOT (split_part(r.qname, '.', 1) || '.' || i.relname = ANY ({leftovers}::text[]))
UNION ALL
SELECT 'constraint', r.qname || '.' || con.conname,
       concat_ws(' ', con.contype, f.relname, con.condeferrable, con.convalidated)
FROM rel r
JOIN pg_constraint con ON con.conrelid = r.oid
LEFT JOIN pg_class f ON f.oid = con.confrelid
UNION ALL
SELECT 'trigger', r.qname || '.' || tg.tgname, concat_ws(' ', tg.tgtype, tg.tgenabled, p.proname)
FROM rel r
JOIN pg_trigger tg ON tg.tgrelid = r.oid AND NOT tg.tgisinternal
JOIN pg_proc p ON p.oid = tg.tgfoid
UNION ALL
SELECT 'policy', r.qname || '.' || pol.polname, concat_ws(' ', pol.polcmd, pol.polpermissive)
FROM rel r
JOIN pg_policy pol ON pol.polrelid = r.oid
UNION ALL
SELECT 'type', n.nspname::text || '.' || t.typname::text,
       concat_ws(' ', t.typtype, t.typnotnull,
                 (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                  FROM pg_enum e WHERE e.enumtypid = t.oid),
                 (SELECT string_agg(con.conname || ' ' || con.contype::text, ',' ORDER BY con.conname)
                  FROM pg_constraint con WHERE con.contypid = t.oid))
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.oid >= 16384 AND t.typtype::text = ANY ({typtypes}::text[])
  AND n.nspname !~ '^pg_(toast_)?temp_'
UNION ALL
SELECT 'function', n.nspname::text || '.' || p.proname::text || '(' || array_to_string(
           ARRAY(SELECT tn.nspname || '.' || t.typname
                 FROM unnest(p.proargtypes) WITH ORDINALITY AS a (oid, i)
                 JOIN pg_type t ON t.oid = a.oid
                 JOIN pg_namespace tn ON tn.oid = t.typnamespace
                 ORDER BY a.i), ',') || ')',
       concat_ws(' ', p.prokind, md5(p.prosrc), p.provolatile, p.prosecdef)
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.oid >= 16384 AND p.prokind::text = ANY ({prokinds}::text[])
  AND n.nspname !~ '^pg_(toast_)?temp_'
  AND NOT EXISTS (SELECT 1 FROM pg_depend x  -- a range type's constructors: skipped.sql
                  WHERE x.classid = 'pg_proc'::regclass AND x.objid = p.oid
                    AND x.deptype = 'i' AND x.refclassid = 'pg_type'::regclass)
UNION ALL
SELECT 'event trigger', ev.evtname::text, concat_ws(' ', ev.evtevent, ev.evtenabled, p.proname)
FROM pg_event_trigger ev
JOIN pg_proc p ON p.oid = ev.evtfoid
) AS shape (kind, name, detail)
