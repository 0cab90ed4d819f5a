"""Mythos persistence: the only process that opens the game database.

The game reaches it over the bus only: request/reply loads and durable, versioned saves.
"""
