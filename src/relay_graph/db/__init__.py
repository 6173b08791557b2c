"""Database mapping, engine and session factory."""
