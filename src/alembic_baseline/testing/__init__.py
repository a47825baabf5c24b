"""The testing toolkit: the pytest plugin (migrated databases per test, history checks)."""
