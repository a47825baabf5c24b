-- Casts made by CREATE CAST: database-wide, so read only without a schema filter (globals), as
-- the inventory and pg_dump do. initdb's casts (oids below 16384, FirstNormalObjectId) and an
-- extension's (pg_depend deptype e: the extension stands for them) are not the schema's.
SELECT format_type(c.castsource, NULL) AS source,
       format_type(c.casttarget, NULL) AS target,
       c.castmethod AS method,
       CASE WHEN c.castfunc <> 0 THEN c.castfunc::regprocedure::text END AS function,
       c.castcontext AS context,
       d.description AS comment,
       c.oid AS oid  -- dependency edges name objects by oid (see dependencies.sql)
FROM pg_cast c
LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_cast'::regclass
WHERE %(globals)s AND c.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM pg_depend x
                  WHERE x.classid = 'pg_cast'::regclass AND x.objid = c.oid
                    AND x.deptype IN ('e', 'i'))  -- an extension's; a type's own (multirange)
