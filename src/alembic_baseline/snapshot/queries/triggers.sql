-- User triggers on tables and views: not internal ones (FK enforcement) and not a partition's
-- copy of its parent's trigger.
SELECT n.nspname AS schema,
       c.relname AS "table",
       t.tgname AS name,
       pg_get_triggerdef(t.oid) AS definition,
       CASE WHEN t.tgtype & 2 <> 0 THEN 'BEFORE'
            WHEN t.tgtype & 64 <> 0 THEN 'INSTEAD OF'
            ELSE 'AFTER' END AS timing,
       array_remove(ARRAY[
           CASE WHEN t.tgtype & 4 <> 0 THEN 'INSERT' END,
           CASE WHEN t.tgtype & 16 <> 0 THEN 'UPDATE' END,
           CASE WHEN t.tgtype & 8 <> 0 THEN 'DELETE' END,
           CASE WHEN t.tgtype & 32 <> 0 THEN 'TRUNCATE' END], NULL) AS events,
       t.tgfoid::regproc::text AS function,
       t.tgenabled AS enabled,
       d.description AS comment,
       t.oid AS oid  -- dependency edges name objects by oid (see dependencies.sql)
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_trigger'::regclass AND d.objsubid = 0
WHERE NOT t.tgisinternal
  AND t.tgparentid = 0
  AND c.relnamespace = ANY (%(schemas)s::oid[])
  AND c.oid <> ALL (%(skipped)s::oid[])
