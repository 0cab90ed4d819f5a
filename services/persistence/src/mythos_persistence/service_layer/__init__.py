"""Use cases of the persistence service, independent of the bus and the database driver."""
