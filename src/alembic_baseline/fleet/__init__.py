"""Fleet: migrate, check and baseline many databases and tenant schemas (issue 14)."""
