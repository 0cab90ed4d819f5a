"""Faults under load: what each costs the players (``make chaos``)."""
