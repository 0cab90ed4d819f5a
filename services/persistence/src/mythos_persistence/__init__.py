"""mythos_persistence."""
