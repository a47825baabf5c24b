-- Event triggers are database-wide; those an extension created are left out.
SELECT et.evtname AS name,
       et.evtevent AS event,
       et.evtfoid::regproc::text AS function,
       COALESCE(et.evttags, '{}') AS tags,
       et.evtenabled AS enabled,
       CASE WHEN %(privileges)s THEN pg_get_userbyid(et.evtowner) END AS owner,
       d.description AS comment
FROM pg_event_trigger et
LEFT JOIN pg_description d
       ON d.objoid = et.oid AND d.classoid = 'pg_event_trigger'::regclass AND d.objsubid = 0
WHERE et.oid <> ALL (%(skipped_event_triggers)s::oid[])
