"""Fleet: many databases and tenant schemas migrated, checked and compared in one run.

targets (where targets come from) → shard (this copy's share) → probe (one query per target)
→ apply (deploy's guarded steps per target, in a process pool, staged: rollout, worker) |
drift (each target against the expected schema of its own revision). docs/fleet.md.
"""
