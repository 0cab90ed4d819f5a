"""mythos_game."""
