-- Collations made by CREATE COLLATION, not those an extension made. The library version
-- (collversion) is left out: it names the ICU or C library build, not the schema. {locale}
-- and {rules} depend on the major (colliculocale until 16, colllocale from 17; ICU rules from 16).
SELECT n.nspname AS schema,
       c.collname AS name,
       c.collprovider AS provider,
       c.collisdeterministic AS deterministic,
       c.collcollate AS lc_collate,
       c.collctype AS lc_ctype,
       {locale} AS locale,
       {rules} AS rules,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(c.collowner) END AS owner,
       d.description AS comment
FROM pg_collation c
JOIN pg_namespace n ON n.oid = c.collnamespace
LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_collation'::regclass
WHERE c.collnamespace = ANY (%(schemas)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_depend x
                  WHERE x.classid = 'pg_collation'::regclass AND x.objid = c.oid
                    AND x.deptype = 'e')
