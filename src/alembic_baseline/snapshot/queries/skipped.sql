-- What the other queries leave out, found once (one scan of pg_depend instead of one in each
-- query): the Alembic version table and alembic-baseline's applied-revisions table beside it
-- (by name, in any or one schema) and the members of extensions (pg_depend deptype e), by
-- catalog; and the functions a type made for itself (deptype i: a range type's constructors,
-- its multirange's), which come and go with their type.
WITH members AS (
    -- an extension membership (deptype e) always refers to its pg_extension row: asking for
    -- that reference lets pg_depend_reference_index find the few of them (the deptype alone
    -- scanned all of pg_depend, tens of thousands of rows on a large schema)
    SELECT classid, objid FROM pg_depend
    WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
    UNION ALL
    SELECT classid, objid FROM pg_depend
    WHERE deptype = 'i' AND classid = 'pg_proc'::regclass AND refclassid = 'pg_type'::regclass
)
SELECT ARRAY(SELECT c.oid
             FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p')
               AND c.relname IN (%(version_table)s, %(applied_table)s)
               AND (%(version_schema)s::text IS NULL OR n.nspname = %(version_schema)s)
             UNION ALL
             SELECT objid FROM members WHERE classid = 'pg_class'::regclass) AS relations,
       ARRAY(SELECT objid FROM members WHERE classid = 'pg_proc'::regclass) AS functions,
       ARRAY(SELECT objid FROM members WHERE classid = 'pg_type'::regclass) AS types,
       ARRAY(SELECT objid FROM members WHERE classid = 'pg_operator'::regclass) AS operators,
       ARRAY(SELECT objid FROM members WHERE classid = 'pg_event_trigger'::regclass)
           AS event_triggers,
       -- The kind queries that may return rows: one cheap existence check per kind, wider than
       -- the query's own conditions (never narrower), so that the queries of kinds the database
       -- has none of are not run (their planning on a new backend costs more than this).
       array_remove(ARRAY[
           -- from pg_sequence (one row per sequence), not a scan of every relation
           CASE WHEN EXISTS (SELECT 1 FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
                             WHERE c.relkind = 'S'
                               AND c.relnamespace = ANY (%(schemas)s::oid[])) THEN 'sequences' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_type WHERE typtype = 'e'
                             AND typnamespace = ANY (%(schemas)s::oid[])) THEN 'enums' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_type WHERE typtype = 'd'
                             AND typnamespace = ANY (%(schemas)s::oid[])) THEN 'domains' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_type WHERE typtype = 'c'
                             AND typnamespace = ANY (%(schemas)s::oid[])
                             AND typrelid IN (SELECT oid FROM pg_class WHERE relkind = 'c'))
                THEN 'composites' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_trigger WHERE NOT tgisinternal) THEN 'triggers' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_event_trigger) THEN 'event_triggers' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_policy) THEN 'policies' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_foreign_data_wrapper)
                THEN 'foreign_data_wrappers' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_foreign_server) THEN 'foreign_servers' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_foreign_table) THEN 'foreign_tables' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_collation
                             WHERE collnamespace = ANY (%(schemas)s::oid[])) THEN 'collations' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_publication) THEN 'publications' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_proc WHERE prokind = 'a'
                             AND pronamespace = ANY (%(schemas)s::oid[])) THEN 'aggregates' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_operator
                             WHERE oprnamespace = ANY (%(schemas)s::oid[])) THEN 'operators' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_ts_dict
                             WHERE dictnamespace = ANY (%(schemas)s::oid[]))
                THEN 'text_search_dictionaries' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_ts_config
                             WHERE cfgnamespace = ANY (%(schemas)s::oid[]))
                THEN 'text_search_configurations' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_cast WHERE oid >= 16384) THEN 'casts' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_statistic_ext
                             WHERE stxnamespace = ANY (%(schemas)s::oid[])) THEN 'statistics' END,
           CASE WHEN EXISTS (SELECT 1 FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
                             WHERE r.rulename <> '_RETURN'  -- pg_catalog has some (pg_settings)
                               AND c.relnamespace = ANY (%(schemas)s::oid[])) THEN 'rules' END
       ], NULL) AS present
