"""Mythos accounts service: registration, login and Ed25519-signed access tokens."""
