"""Settings modules: base plus one per environment (local, production, test)."""
