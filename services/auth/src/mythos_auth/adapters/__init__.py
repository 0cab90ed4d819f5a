"""I/O adapters: database, password hashing, signing keys and tokens."""
