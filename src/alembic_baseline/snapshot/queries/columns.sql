-- Columns of the tables above. The loader turns attnum into a dense position (1..n): dropped
-- columns leave attnum gaps that are catalog noise. For generated columns "default" is the
-- generation expression.
SELECT a.attname AS name,  -- of the table a.attrelid (table_oid below: see tables.sql)
       a.attnum AS attnum,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       pg_get_expr(ad.adbin, ad.adrelid) AS "default",
       a.attidentity AS identity,
       a.attgenerated AS generated,
       CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END
           AS collation,
       a.attislocal AS local,
       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END AS storage,
       NULLIF(a.attcompression, '') AS compression,
       CASE WHEN a.attidentity <> '' THEN (
           SELECT format('START WITH %%s INCREMENT BY %%s MINVALUE %%s MAXVALUE %%s CACHE %%s %%s',
                         s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,
                         CASE WHEN s.seqcycle THEN 'CYCLE' ELSE 'NO CYCLE' END)
           FROM pg_depend dep
           JOIN pg_sequence s ON s.seqrelid = dep.objid
           WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
             AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i')
       END AS identity_options,
       d.description AS comment,
       -- for naming constraint columns and spelling index definitions (see indexes.sql)
       a.attrelid AS table_oid,
       NULLIF(quote_ident(a.attname), a.attname) AS quoted,  -- NULL: as is
       a.atttypid AS type_oid,
       a.attcollation AS collation_oid,
       t.typtype = 'd' AS is_domain
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
WHERE a.attnum > 0
  AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p')
  AND c.relnamespace = ANY (%(schemas)s::oid[])
  AND c.oid <> ALL (%(skipped)s::oid[])
ORDER BY a.attrelid, a.attnum  -- grouped by table, in table order: positions need it
