"""Lint Alembic revisions: the runbook's best practices and PostgreSQL lock safety."""
