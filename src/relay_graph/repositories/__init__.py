"""SQLAlchemy repositories; they read and write but never commit."""
