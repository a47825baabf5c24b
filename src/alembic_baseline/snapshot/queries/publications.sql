-- Publications: database-wide, read only without a schema filter (globals). Each table as
-- CREATE PUBLICATION names it, with its column list and row filter; {generated} is
-- publish_generated_columns (PostgreSQL 18; NULL before, and when "none").
SELECT p.pubname AS name,
       p.puballtables AS all_tables,
       ARRAY_REMOVE(ARRAY[CASE WHEN p.pubinsert THEN 'insert' END,
                          CASE WHEN p.pubupdate THEN 'update' END,
                          CASE WHEN p.pubdelete THEN 'delete' END,
                          CASE WHEN p.pubtruncate THEN 'truncate' END], NULL) AS publish,
       p.pubviaroot AS via_root,
       ARRAY(SELECT pr.prrelid::regclass::text
                    || COALESCE(' (' || (SELECT string_agg(quote_ident(a.attname), ', '
                                                           ORDER BY a.attnum)
                                         FROM pg_attribute a
                                         WHERE a.attrelid = pr.prrelid
                                           AND a.attnum = ANY (pr.prattrs)) || ')', '')
                    || COALESCE(' WHERE (' || pg_get_expr(pr.prqual, pr.prrelid) || ')', '')
             FROM pg_publication_rel pr WHERE pr.prpubid = p.oid ORDER BY 1) AS tables,
       ARRAY(SELECT quote_ident(n.nspname)
             FROM pg_publication_namespace pn
             JOIN pg_namespace n ON n.oid = pn.pnnspid
             WHERE pn.pnpubid = p.oid ORDER BY 1) AS schemas,
       {generated} AS generated,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(p.pubowner) END AS owner,
       d.description AS comment
FROM pg_publication p
LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_publication'::regclass
WHERE %(globals)s
