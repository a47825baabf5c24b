-- Text search dictionaries (CREATE TEXT SEARCH DICTIONARY), not those an extension made: the
-- template qualified, the options as the catalog serializes them (name = 'value', ...).
SELECT n.nspname AS schema,
       t.dictname AS name,
       quote_ident(tn.nspname) || '.' || quote_ident(tm.tmplname) AS template,
       t.dictinitoption AS options,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(t.dictowner) END AS owner,
       d.description AS comment
FROM pg_ts_dict t
JOIN pg_namespace n ON n.oid = t.dictnamespace
JOIN pg_ts_template tm ON tm.oid = t.dicttemplate
JOIN pg_namespace tn ON tn.oid = tm.tmplnamespace
LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_ts_dict'::regclass
WHERE t.dictnamespace = ANY (%(schemas)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_depend x
                  WHERE x.classid = 'pg_ts_dict'::regclass AND x.objid = t.oid
                    AND x.deptype = 'e')
