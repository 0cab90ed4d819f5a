"""Use cases of the auth service, written against ports so they test without I/O."""
