"""mythos_edge."""
