-- Normal dependencies (pg_depend deptype n): what has to be dropped and recreated when the
-- referenced object is dropped or recreated. Rows name both ends by catalog and oid only; the
-- loaders know the oid of every object they loaded and turn each end into a snapshot key,
-- dropping edges with an end outside the snapshot (other schemas, extension members, the
-- version table). Resolving names here instead cost more than every other query but one.
--
-- Dependent ends: a view (through its rewrite rule), a rule, a function, a constraint, a trigger, a
-- policy, a column default (table oid and attnum), an index, a foreign table or server, an
-- operator, a cast.
-- Referenced ends: a relation (with the column number when it is a table column), a function,
-- a type, a foreign server or data wrapper, an operator, a text search configuration (a
-- regconfig constant).
-- Objects made by initdb have oids below 16384 (FirstNormalObjectId): never an end here.
SELECT CASE d.classid
           WHEN 'pg_rewrite'::regclass
               THEN CASE WHEN rw.rulename = '_RETURN' THEN 'view' ELSE 'rule' END
           WHEN 'pg_proc'::regclass THEN 'function'
           WHEN 'pg_constraint'::regclass THEN 'constraint'
           WHEN 'pg_trigger'::regclass THEN 'trigger'
           WHEN 'pg_policy'::regclass THEN 'policy'
           WHEN 'pg_attrdef'::regclass THEN 'default'
           WHEN 'pg_foreign_server'::regclass THEN 'server'
           WHEN 'pg_operator'::regclass THEN 'operator'
           WHEN 'pg_cast'::regclass THEN 'cast'
           ELSE 'relation' END AS dep_catalog,
       -- a view by its relation (through its _RETURN rule), any other rule by itself
       COALESCE(CASE WHEN rw.rulename = '_RETURN' THEN rw.ev_class END, ad.adrelid, d.objid)
           AS dep_oid,
       COALESCE(ad.adnum, 0) AS dep_attnum,
       CASE d.refclassid
           WHEN 'pg_class'::regclass THEN 'relation'
           WHEN 'pg_proc'::regclass THEN 'function'
           WHEN 'pg_foreign_server'::regclass THEN 'server'
           WHEN 'pg_foreign_data_wrapper'::regclass THEN 'wrapper'
           WHEN 'pg_operator'::regclass THEN 'operator'
           WHEN 'pg_ts_config'::regclass THEN 'ts config'
           ELSE 'type' END AS ref_catalog,
       d.refobjid AS ref_oid,
       d.refobjsubid AS ref_attnum
FROM pg_depend d
LEFT JOIN pg_rewrite rw ON d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid
LEFT JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid
WHERE d.deptype = 'n'
  AND d.objid >= 16384 AND d.refobjid >= 16384
  AND d.classid IN ('pg_rewrite'::regclass, 'pg_proc'::regclass, 'pg_constraint'::regclass,
                    'pg_trigger'::regclass, 'pg_policy'::regclass, 'pg_attrdef'::regclass,
                    'pg_class'::regclass, 'pg_foreign_server'::regclass,
                    'pg_operator'::regclass, 'pg_cast'::regclass)
  AND d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass,
                       'pg_foreign_server'::regclass, 'pg_foreign_data_wrapper'::regclass,
                       'pg_operator'::regclass, 'pg_ts_config'::regclass)
