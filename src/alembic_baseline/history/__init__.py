"""The project's revision history: drive Alembic, read the graph, replay, archive, diagnose."""
