-- Functions and procedures (aggregates: aggregates.sql). A SQL-standard body (BEGIN ATOMIC,
-- RETURN) has no prosrc text; the server prints it back with pg_get_function_sqlbody. A NULL
-- ACL means the defaults: acldefault spells them out (in every query that reads an ACL). Owners
-- and ACLs are only read when privileges are asked for (the privileges parameter).
SELECT n.nspname AS schema,
       p.proname AS name,
       pg_get_function_identity_arguments(p.oid) AS identity_args,
       pg_get_function_arguments(p.oid) AS arguments,
       CASE WHEN p.prokind <> 'p' THEN pg_get_function_result(p.oid) END AS result,
       l.lanname AS language,
       CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_function_sqlbody(p.oid)
            ELSE p.prosrc END AS body,
       p.prokind = 'p' AS procedure,
       p.prosqlbody IS NOT NULL AS sql_body,
       p.provolatile AS volatility,
       p.proisstrict AS strict,
       p.prosecdef AS security_definer,
       p.proleakproof AS leakproof,
       p.proparallel AS parallel,
       p.procost AS cost,
       p.prorows AS rows,
       p.proconfig AS config,
       p.prokind = 'w' AS "window",
       CASE WHEN %(privileges)s THEN pg_get_userbyid(p.proowner) END AS owner,
       CASE WHEN %(privileges)s
            THEN COALESCE(p.proacl, acldefault('f', p.proowner))::text[] END AS acl,
       d.description AS comment,
       p.oid AS oid  -- dependency edges name objects by oid (see dependencies.sql)
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
LEFT JOIN pg_description d
       ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0
WHERE p.prokind IN ('f', 'p', 'w')
  AND p.pronamespace = ANY (%(schemas)s::oid[])
  AND p.oid <> ALL (%(skipped_functions)s::oid[])
