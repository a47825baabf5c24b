-- The inventory: every object pg_dump would emit for the snapshot's schemas, of ANY kind, named
-- by pg_identify_object (type + identity: names, never OIDs, so two databases compare). It is
-- independent of the per-kind queries: it walks the system catalogs generically. Left out: system
-- schemas (the schemas parameter holds the covered ones only), extension members and objects made
-- implicitly with another one (pg_depend deptype e and i: array and row types, constraint
-- indexes, RI triggers, view rules...), what a partition or inheritance child gets from its
-- parent (cloned constraints, indexes, triggers: pg_dump does not emit them either), the version
-- table (skipped), NOT NULL constraints
-- (compared through the columns; only PostgreSQL 18 has them as objects), large objects (data)
-- and, unless privileges are read, default privileges. Database-wide objects (casts, languages,
-- FDWs, servers, user mappings, publications, subscriptions, event triggers, extensions, access
-- methods, transforms) are included when no schema filter narrows the snapshot (globals).
-- "detail" carries attributes that identify no object but that pg_dump emits: a column's
-- STORAGE, COMPRESSION, STATISTICS and options (FDW options whose name looks like a secret by
-- name only), a table's REPLICA IDENTITY, a text search configuration's mappings.
-- (pg_depend is probed by its index per candidate: a scan of it into a CTE would be read once
-- per row, as CTEs have no index.)
WITH rels AS MATERIALIZED (
    SELECT c.oid, c.relkind, c.relreplident, quote_ident(n.nspname) AS nsp,
           quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relnamespace = ANY (%(schemas)s::oid[])
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
      AND c.oid <> ALL (%(skipped)s::oid[])
      -- a composite type's relation is internal to its type: the type decides
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = CASE WHEN c.relkind = 'c' THEN 'pg_type'::regclass
                                             ELSE 'pg_class'::regclass END
                        AND s.objid = CASE WHEN c.relkind = 'c' THEN c.reltype ELSE c.oid END
                        AND s.deptype IN ('e', 'i'))
), objects (classid, objid, subid, detail, label, identity) AS (
    SELECT 'pg_namespace'::regclass, n.oid, 0, NULL, NULL, NULL
    FROM unnest(%(schemas)s::oid[]) AS n (oid)
    UNION ALL
    -- the most numerous kinds (relations, columns, indexes, constraints, defaults) are named
    -- here the way pg_identify_object names them, which is ten times cheaper on large schemas
    SELECT 'pg_class'::regclass, r.oid, 0,
           CASE WHEN r.relkind IN ('r', 'p') AND r.relreplident <> 'd'
                THEN 'replica identity ' || r.relreplident::text END,
           CASE r.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                          WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                          WHEN 'f' THEN 'foreign table' END,
           r.qualified
    FROM rels r
    WHERE r.relkind <> 'c'  -- listed as its type
    UNION ALL
    SELECT 'pg_class'::regclass, a.attrelid, a.attnum,
           concat_ws(' ', 'storage ' || a.attstorage::text,
                     CASE WHEN a.attcompression <> '' THEN 'compression ' || a.attcompression::text END,
                     CASE WHEN COALESCE(a.attstattarget, -1) >= 0
                          THEN 'statistics ' || a.attstattarget::text END,
                     'options ' || a.attoptions::text,
                     -- an option whose name looks like a secret: its name only
                     -- (the subquery only for a column that has FDW options: most have none)
                     CASE WHEN a.attfdwoptions IS NOT NULL THEN 'fdw options ' || (
                         SELECT string_agg(
                             CASE WHEN o.option_name ~* %(secret_options)s THEN o.option_name
                                  ELSE o.option_name || '=' || o.option_value END,
                             ',' ORDER BY o.option_name)
                         FROM pg_options_to_table(a.attfdwoptions) AS o) END),
           CASE r.relkind WHEN 'r' THEN 'table column' WHEN 'p' THEN 'table column'
                          WHEN 'v' THEN 'view column' WHEN 'm' THEN 'materialized view column'
                          WHEN 'f' THEN 'foreign table column' ELSE 'composite type column' END,
           -- spelled here as pg_identify_object spells it: columns are most of the rows
           r.qualified || '.' || quote_ident(a.attname)
    FROM pg_attribute a
    JOIN rels r ON r.oid = a.attrelid
    WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind <> 'S'
    UNION ALL
    SELECT 'pg_class'::regclass, i.indexrelid, 0, NULL, 'index', r.nsp || '.' || quote_ident(ic.relname)
    FROM pg_index i
    JOIN rels r ON r.oid = i.indrelid
    JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE NOT ic.relispartition  -- a partition's copy of its parent's index comes with it
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_class'::regclass AND s.objid = i.indexrelid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_attrdef'::regclass, d.oid, 0, NULL, 'default value',
           'for ' || r.qualified || '.' || quote_ident(a.attname)
    FROM pg_attrdef d
    JOIN rels r ON r.oid = d.adrelid
    JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
    UNION ALL
    SELECT 'pg_constraint'::regclass, c.oid, 0, NULL,
           CASE WHEN r.oid IS NOT NULL THEN 'table constraint' END,
           quote_ident(c.conname) || ' on ' || r.qualified  -- a domain's: NULL, identified below
    FROM pg_constraint c
    LEFT JOIN rels r ON r.oid = c.conrelid
    LEFT JOIN pg_type t ON t.oid = c.contypid
    WHERE c.contype <> 'n'
      AND c.conparentid = 0 AND c.conislocal  -- copies a child gets from its parent
      AND (r.oid IS NOT NULL OR t.typnamespace = ANY (%(schemas)s::oid[]))
    UNION ALL
    SELECT 'pg_trigger'::regclass, t.oid, 0, NULL, NULL, NULL
    FROM pg_trigger t
    JOIN rels r ON r.oid = t.tgrelid
    WHERE NOT t.tgisinternal AND t.tgparentid = 0
    UNION ALL
    SELECT 'pg_rewrite'::regclass, w.oid, 0, NULL, NULL, NULL
    FROM pg_rewrite w
    JOIN rels r ON r.oid = w.ev_class
    WHERE w.rulename <> '_RETURN'
    UNION ALL
    SELECT 'pg_policy'::regclass, p.oid, 0, NULL, NULL, NULL
    FROM pg_policy p
    JOIN rels r ON r.oid = p.polrelid
    UNION ALL
    SELECT 'pg_type'::regclass, t.oid, 0, NULL,
           CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'r' THEN 'range type'
                          WHEN 'm' THEN 'multirange type' WHEN 'b' THEN 'base type'
                          WHEN 'p' THEN 'shell type' WHEN 'd' THEN 'domain'
                          WHEN 'c' THEN 'composite type' END, NULL
    FROM pg_type t
    WHERE t.typnamespace = ANY (%(schemas)s::oid[])
      AND (t.typrelid = 0 OR t.typtype = 'c' AND EXISTS (
           SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_type'::regclass AND s.objid = t.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_proc'::regclass, p.oid, 0, NULL, NULL, NULL
    FROM pg_proc p
    WHERE p.pronamespace = ANY (%(schemas)s::oid[])
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_proc'::regclass AND s.objid = p.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_operator'::regclass, o.oid, 0, NULL, NULL, NULL
    FROM pg_operator o
    WHERE o.oprnamespace = ANY (%(schemas)s::oid[])
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_operator'::regclass AND s.objid = o.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_opfamily'::regclass, f.oid, 0, NULL, NULL, NULL
    FROM pg_opfamily f
    WHERE f.opfnamespace = ANY (%(schemas)s::oid[])
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_opfamily'::regclass AND s.objid = f.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_opclass'::regclass, c.oid, 0, NULL, NULL, NULL
    FROM pg_opclass c
    WHERE c.opcnamespace = ANY (%(schemas)s::oid[])
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_opclass'::regclass AND s.objid = c.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_amop'::regclass, o.oid, 0, NULL, NULL, NULL
    FROM pg_amop o
    JOIN pg_opfamily f ON f.oid = o.amopfamily
    WHERE f.opfnamespace = ANY (%(schemas)s::oid[])
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_opfamily'::regclass AND s.objid = f.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_amproc'::regclass, p.oid, 0, NULL, NULL, NULL
    FROM pg_amproc p
    JOIN pg_opfamily f ON f.oid = p.amprocfamily
    WHERE f.opfnamespace = ANY (%(schemas)s::oid[])
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_opfamily'::regclass AND s.objid = f.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_collation'::regclass, c.oid, 0, NULL, NULL, NULL
    FROM pg_collation c
    WHERE c.collnamespace = ANY (%(schemas)s::oid[])
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_collation'::regclass AND s.objid = c.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_conversion'::regclass, c.oid, 0, NULL, NULL, NULL
    FROM pg_conversion c
    WHERE c.connamespace = ANY (%(schemas)s::oid[])
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_conversion'::regclass AND s.objid = c.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_statistic_ext'::regclass, x.oid, 0, NULL, NULL, NULL
    FROM pg_statistic_ext x
    WHERE x.stxnamespace = ANY (%(schemas)s::oid[])
      AND x.stxrelid <> ALL (%(skipped)s::oid[])
    UNION ALL
    SELECT 'pg_ts_config'::regclass, c.oid, 0,
           (SELECT string_agg(m.maptokentype || ':' || m.mapdict::regdictionary::text, ' '
                              ORDER BY m.maptokentype, m.mapseqno)
            FROM pg_ts_config_map m WHERE m.mapcfg = c.oid), NULL, NULL
    FROM pg_ts_config c
    WHERE c.cfgnamespace = ANY (%(schemas)s::oid[])
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_ts_config'::regclass AND s.objid = c.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_ts_dict'::regclass, d.oid, 0, NULL, NULL, NULL
    FROM pg_ts_dict d
    WHERE d.dictnamespace = ANY (%(schemas)s::oid[])
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_ts_dict'::regclass AND s.objid = d.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_ts_parser'::regclass, p.oid, 0, NULL, NULL, NULL
    FROM pg_ts_parser p
    WHERE p.prsnamespace = ANY (%(schemas)s::oid[])
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_ts_parser'::regclass AND s.objid = p.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_ts_template'::regclass, t.oid, 0, NULL, NULL, NULL
    FROM pg_ts_template t
    WHERE t.tmplnamespace = ANY (%(schemas)s::oid[])
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_ts_template'::regclass AND s.objid = t.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_publication_rel'::regclass, p.oid, 0, NULL, NULL, NULL
    FROM pg_publication_rel p
    JOIN rels r ON r.oid = p.prrelid
    WHERE %(globals)s  -- belongs to its publication, a database-wide object
    UNION ALL
    SELECT 'pg_publication_namespace'::regclass, p.oid, 0, NULL, NULL, NULL
    FROM pg_publication_namespace p
    WHERE p.pnnspid = ANY (%(schemas)s::oid[]) AND %(globals)s
    UNION ALL
    SELECT 'pg_default_acl'::regclass, a.oid, 0, NULL, NULL, NULL
    FROM pg_default_acl a
    WHERE %(privileges)s
      AND (a.defaclnamespace = ANY (%(schemas)s::oid[]) OR (a.defaclnamespace = 0 AND %(globals)s))
    -- database-wide objects: only without a schema filter
    UNION ALL
    SELECT 'pg_extension'::regclass, x.oid, 0, NULL, NULL, NULL
    FROM pg_extension x WHERE %(globals)s
    UNION ALL
    SELECT 'pg_event_trigger'::regclass, e.oid, 0, NULL, NULL, NULL
    FROM pg_event_trigger e
    WHERE %(globals)s
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_event_trigger'::regclass AND s.objid = e.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_cast'::regclass, c.oid, 0, NULL, NULL, NULL
    FROM pg_cast c
    WHERE %(globals)s AND c.oid >= 16384
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_cast'::regclass AND s.objid = c.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_language'::regclass, l.oid, 0, NULL, NULL, NULL
    FROM pg_language l
    WHERE %(globals)s AND l.oid >= 16384
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_language'::regclass AND s.objid = l.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_am'::regclass, a.oid, 0, NULL, NULL, NULL
    FROM pg_am a
    WHERE %(globals)s AND a.oid >= 16384
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_am'::regclass AND s.objid = a.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_transform'::regclass, t.oid, 0, NULL, NULL, NULL
    FROM pg_transform t
    WHERE %(globals)s AND t.oid >= 16384
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_transform'::regclass AND s.objid = t.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_foreign_data_wrapper'::regclass, w.oid, 0, NULL, NULL, NULL
    FROM pg_foreign_data_wrapper w
    WHERE %(globals)s
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_foreign_data_wrapper'::regclass AND s.objid = w.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    SELECT 'pg_foreign_server'::regclass, v.oid, 0, NULL, NULL, NULL
    FROM pg_foreign_server v
    WHERE %(globals)s
      AND NOT EXISTS (SELECT 1 FROM pg_depend s
                      WHERE s.classid = 'pg_foreign_server'::regclass AND s.objid = v.oid
                        AND s.deptype IN ('e', 'i'))
    UNION ALL
    -- identity only (the role and the server): a mapping's options hold passwords
    SELECT 'pg_user_mapping'::regclass, u.umid, 0, NULL, NULL, NULL
    FROM pg_user_mappings u
    WHERE %(globals)s
    UNION ALL
    SELECT 'pg_publication'::regclass, p.oid, 0, NULL, NULL, NULL
    FROM pg_publication p WHERE %(globals)s
    UNION ALL
    SELECT 'pg_subscription'::regclass, s.oid, 0, NULL, NULL, NULL
    FROM pg_subscription s
    WHERE %(globals)s
      AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
)
SELECT COALESCE(o.label, i.type) AS type, COALESCE(o.identity, i.identity) AS identity,
       COALESCE(o.detail, '') AS detail
FROM objects o
-- OFFSET 0 keeps the subquery whole, so its WHERE gates the call (a one-time filter per row):
-- flattened, the condition became a join filter checked after calling pg_identify_object for
-- every row, named or not (a catalog lookup each, 30,000 of them on 2,000 tables).
LEFT JOIN LATERAL (SELECT * FROM pg_identify_object(o.classid, o.objid, o.subid)
                   WHERE o.identity IS NULL OFFSET 0) AS i ON true
