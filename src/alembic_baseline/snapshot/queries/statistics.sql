-- Extended statistics objects (CREATE STATISTICS) on the snapshot's relations. The target is
-- NULL when it is the default (-1 before PostgreSQL 17, NULL from 17).
SELECT n.nspname AS schema,
       s.stxname AS name,
       pg_get_statisticsobjdef(s.oid) AS definition,
       NULLIF(s.stxstattarget, -1) AS target,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(s.stxowner) END AS owner,
       d.description AS comment
FROM pg_statistic_ext s
JOIN pg_namespace n ON n.oid = s.stxnamespace
LEFT JOIN pg_description d ON d.objoid = s.oid AND d.classoid = 'pg_statistic_ext'::regclass
WHERE s.stxnamespace = ANY (%(schemas)s::oid[])
  AND s.stxrelid <> ALL (%(skipped)s::oid[])
