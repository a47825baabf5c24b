-- What the other queries leave out, found once (one scan of pg_depend instead of one in each
-- query): the Alembic version table and alembic-baseline's applied-revisions table beside it
-- (by name, in any or one schema) and the members of extensions (pg_depend deptype e), by
-- catalog; and the functions a type made for itself (deptype i: a range type's constructors,
-- its multirange's), which come and go with their type.
WITH members AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
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
           AS event_triggers
