"""The testing toolkit: the pytest plugin (a migrated database per test) and the checks that keep
a history honest in CI (docs/testing.md, docs/testing-checks.md)."""
