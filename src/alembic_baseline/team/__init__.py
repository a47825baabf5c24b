"""The team workflow across features: the sum file, applied-revision checksums, rebase of a
branch onto the other head, expand/contract phases (docs/team.md); the DBA bundle and the HTML
report (docs/team-bundle.md)."""
