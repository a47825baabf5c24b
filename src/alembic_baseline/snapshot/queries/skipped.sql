-- Relations left out on purpose: the Alembic version table (by name, in any or one schema).
SELECT c.oid AS oid
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND c.relname = %(version_table)s
  AND (%(version_schema)s::text IS NULL OR n.nspname = %(version_schema)s)
