"""Helpers shared by the test modules (no fixtures here: plain functions)."""
