"""Guarded production patches: status, plan, backup, apply, verify, record, rollback.

The runbook's "本番環境への適用手順" as explicit steps, each returning a value that the run record
keeps: :mod:`.plan` (pending SQL, checklist, locks) → :mod:`.backup` (pg_dump -Fc, verified) →
:mod:`.apply` (one revision at a time, with lock/statement timeouts) → :mod:`.verify` (revision,
schema, health, SQL checks) → :mod:`.record` (JSON + markdown), and :mod:`.rollback` (downgrade
or restore). The orchestration lives in :mod:`alembic_baseline.commands.deploy`.
"""
