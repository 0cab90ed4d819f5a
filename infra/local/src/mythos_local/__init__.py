"""mythos_local."""
