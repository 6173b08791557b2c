from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

_PACKAGED = Path(__file__).resolve().parents[1] / "migrations"
_SOURCE_TREE = Path(__file__).resolve().parents[3] / "migrations"


def migrations_directory() -> Path:
    """Alembic scripts: inside the installed package, else in the source checkout."""
    for candidate in (_PACKAGED, _SOURCE_TREE):
        if (candidate / "env.py").exists():
            return candidate
    raise FileNotFoundError(f"no Alembic migrations found in {_PACKAGED} or {_SOURCE_TREE}")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_directory()))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations; Alembic runs its async env in its own event loop."""
    command.upgrade(alembic_config(database_url), revision)
