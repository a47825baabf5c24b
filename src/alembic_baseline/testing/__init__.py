"""The testing toolkit: checks that keep a history honest in CI (docs/testing.md)."""
