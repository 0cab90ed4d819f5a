"""mythos_auth."""
