"""Fleet: migrate, check and baseline many databases and tenant schemas (issue 14).

targets (where targets come from) → shard (this copy's share) → probe (one query per target)
→ apply (deploy's guarded steps per target, in a process pool, staged: rollout, worker) |
drift (each target against the expected schema of its own revision). docs/fleet.md.
"""
