-- Aggregates (pg_proc rows of prokind a with their pg_aggregate row). Support functions and the
-- sort operator are printed as regproc/regoperator do with the snapshot's empty search_path
-- (qualified unless in pg_catalog); 0 (none) becomes NULL. Owners and ACLs only when
-- privileges are asked for (the privileges parameter).
SELECT n.nspname AS schema,
       p.proname AS name,
       pg_get_function_identity_arguments(p.oid) AS identity_args,
       pg_get_function_arguments(p.oid) AS arguments,
       a.aggkind AS kind,
       a.aggnumdirectargs AS direct_args,
       a.aggtransfn::regproc::text AS sfunc,
       format_type(a.aggtranstype, NULL) AS stype,
       a.aggtransspace AS sspace,
       NULLIF(a.aggfinalfn, 0)::regproc::text AS finalfunc,
       a.aggfinalextra AS finalfunc_extra,
       a.aggfinalmodify AS finalfunc_modify,
       NULLIF(a.aggcombinefn, 0)::regproc::text AS combinefunc,
       NULLIF(a.aggserialfn, 0)::regproc::text AS serialfunc,
       NULLIF(a.aggdeserialfn, 0)::regproc::text AS deserialfunc,
       a.agginitval AS initcond,
       NULLIF(a.aggmtransfn, 0)::regproc::text AS msfunc,
       NULLIF(a.aggminvtransfn, 0)::regproc::text AS minvfunc,
       CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END AS mstype,
       a.aggmtransspace AS msspace,
       NULLIF(a.aggmfinalfn, 0)::regproc::text AS mfinalfunc,
       a.aggmfinalextra AS mfinalfunc_extra,
       a.aggmfinalmodify AS mfinalfunc_modify,
       a.aggminitval AS minitcond,
       CASE WHEN a.aggsortop <> 0 THEN
           (SELECT quote_ident(on_.nspname) || '.' || o.oprname
            FROM pg_operator o JOIN pg_namespace on_ ON on_.oid = o.oprnamespace
            WHERE o.oid = a.aggsortop) END AS sortop,
       p.proparallel AS parallel,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(p.proowner) END AS owner,
       CASE WHEN %(privileges)s
            THEN COALESCE(p.proacl, acldefault('f', p.proowner))::text[] END AS acl,
       d.description AS comment,
       p.oid AS oid  -- dependency edges name objects by oid (see dependencies.sql)
FROM pg_proc p
JOIN pg_aggregate a ON a.aggfnoid = p.oid
JOIN pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_description d
       ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0
WHERE p.prokind = 'a'
  AND p.pronamespace = ANY (%(schemas)s::oid[])
  AND p.oid <> ALL (%(skipped_functions)s::oid[])
