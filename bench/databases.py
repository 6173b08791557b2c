"""A fresh, migrated database per benchmark run: PostgreSQL or a temporary SQLite file."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from relay_graph.db.engine import create_engine
from relay_graph.db.migrate import upgrade

DEFAULT_POSTGRES_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


async def _execute_autocommit(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@contextmanager
def fresh_database(engine_name: str, postgres_admin_url: str) -> Iterator[str]:
    """Create and migrate an empty database, yield its URL, and drop it afterwards."""
    if engine_name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="relay-bench-") as directory:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
            upgrade(url)
            yield url
        return
    if engine_name != "postgres":
        raise ValueError(f"unknown engine {engine_name!r}; use 'sqlite' or 'postgres'")

    name = f"relay_bench_{uuid.uuid4().hex[:12]}"
    asyncio.run(_execute_autocommit(postgres_admin_url, f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(
            _execute_autocommit(
                postgres_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
            )
        )


def libpq_url(url: str) -> str:
    """Turn a SQLAlchemy asyncpg URL into the plain postgres:// URL that Node's pg expects."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
