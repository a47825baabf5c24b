"""Team workflow: what a team needs once the history grows again (bundles, reports, integrity)."""
