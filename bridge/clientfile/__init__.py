"""Client files: the schema of a client's TOML file, loading it, where it lives, its secrets."""
