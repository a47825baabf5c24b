-- Operators of the snapshot's schemas (not a shell: one a COMMUTATOR or NEGATOR clause made
-- and nothing defined). Functions print as regproc does with the snapshot's empty search_path;
-- the commutator and negator as schema.name (their argument types follow from this one's).
SELECT n.nspname AS schema,
       o.oprname AS name,
       CASE WHEN o.oprleft <> 0 THEN format_type(o.oprleft, NULL) END AS "left",
       format_type(o.oprright, NULL) AS "right",
       format_type(o.oprresult, NULL) AS result,
       o.oprcode::regproc::text AS function,
       (SELECT quote_ident(cn.nspname) || '.' || c.oprname
        FROM pg_operator c JOIN pg_namespace cn ON cn.oid = c.oprnamespace
        WHERE c.oid = o.oprcom) AS commutator,
       (SELECT quote_ident(nn.nspname) || '.' || ng.oprname
        FROM pg_operator ng JOIN pg_namespace nn ON nn.oid = ng.oprnamespace
        WHERE ng.oid = o.oprnegate) AS negator,
       NULLIF(o.oprrest, 0)::regproc::text AS restrict,
       NULLIF(o.oprjoin, 0)::regproc::text AS "join",
       o.oprcanhash AS hashes,
       o.oprcanmerge AS merges,
       ARRAY(SELECT DISTINCT quote_ident(fn.nspname) || '.' || quote_ident(f.opfname)
                             || ' USING ' || am.amname
             FROM pg_amop ao
             JOIN pg_opfamily f ON f.oid = ao.amopfamily
             JOIN pg_namespace fn ON fn.oid = f.opfnamespace
             JOIN pg_am am ON am.oid = f.opfmethod
             WHERE ao.amopopr = o.oid ORDER BY 1) AS families,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(o.oprowner) END AS owner,
       d.description AS comment,
       o.oid AS oid  -- dependency edges name objects by oid (see dependencies.sql)
FROM pg_operator o
JOIN pg_namespace n ON n.oid = o.oprnamespace
LEFT JOIN pg_description d
       ON d.objoid = o.oid AND d.classoid = 'pg_operator'::regclass AND d.objsubid = 0
WHERE o.oprcode <> 0
  AND o.oprnamespace = ANY (%(schemas)s::oid[])
  AND o.oid <> ALL (%(skipped_operators)s::oid[])
