-- Default operator classes and the type each is the default for (spelling index definitions).
SELECT oid, opcintype AS type_oid FROM pg_opclass WHERE opcdefault
