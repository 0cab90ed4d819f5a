"""Database adapters: engine, schema, migrations and the player store."""
