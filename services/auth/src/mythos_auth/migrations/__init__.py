"""Alembic migrations of the auth database, shipped inside the package."""
