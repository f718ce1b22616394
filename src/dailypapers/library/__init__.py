"""Your library: collections (the default one is /saved), reading state, notes, exports,
imports, personal API tokens, and a user's own data out (and deleted)."""
