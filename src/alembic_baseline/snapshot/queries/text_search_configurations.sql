-- Text search configurations, not those an extension made: the parser qualified, and one
-- mapping per token type (its alias, as ALTER ... MAPPING FOR names it) with its dictionaries
-- in the order they are consulted (regdictionary: qualified under the empty search_path).
SELECT n.nspname AS schema,
       c.cfgname AS name,
       quote_ident(pn.nspname) || '.' || quote_ident(p.prsname) AS parser,
       ARRAY(SELECT tt.alias || ': ' || string_agg(m.mapdict::regdictionary::text, ', '
                                                    ORDER BY m.mapseqno)
             FROM pg_ts_config_map m
             JOIN ts_token_type(c.cfgparser) tt ON tt.tokid = m.maptokentype
             WHERE m.mapcfg = c.oid
             GROUP BY tt.alias ORDER BY tt.alias) AS mappings,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(c.cfgowner) END AS owner,
       d.description AS comment,
       c.oid AS oid  -- indexes, defaults, views and functions name it (see dependencies.sql)
FROM pg_ts_config c
JOIN pg_namespace n ON n.oid = c.cfgnamespace
JOIN pg_ts_parser p ON p.oid = c.cfgparser
JOIN pg_namespace pn ON pn.oid = p.prsnamespace
LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_ts_config'::regclass
WHERE c.cfgnamespace = ANY (%(schemas)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_depend x
                  WHERE x.classid = 'pg_ts_config'::regclass AND x.objid = c.oid
                    AND x.deptype = 'e')
