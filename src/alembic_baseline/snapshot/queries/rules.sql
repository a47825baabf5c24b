-- Rewrite rules other than a view's own (_RETURN), on the snapshot's tables and views.
SELECT n.nspname AS schema,
       c.relname AS "table",
       r.rulename AS name,
       rtrim(pg_get_ruledef(r.oid), ';') AS definition,
       r.ev_enabled AS enabled,
       d.description AS comment,
       r.oid AS oid  -- dependency edges name objects by oid (see dependencies.sql)
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d
       ON d.objoid = r.oid AND d.classoid = 'pg_rewrite'::regclass AND d.objsubid = 0
WHERE r.rulename <> '_RETURN'
  AND c.relnamespace = ANY (%(schemas)s::oid[])
  AND c.oid <> ALL (%(skipped)s::oid[])
