"""Test databases on a real engine: a migrated SQLite file per test, or a PostgreSQL
database per run whose tables are emptied before each test.

RELAY_TEST_ENGINE picks the engine (sqlite by default, or postgres).
RELAY_TEST_POSTGRES_URL points at the server (default postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from relay_graph.db.engine import create_engine
from relay_graph.db.migrate import upgrade
from relay_graph.db.models import Base

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def database_engine_name() -> str:
    name = os.environ.get("RELAY_TEST_ENGINE", "sqlite")
    if name not in ("sqlite", "postgres"):
        raise ValueError(f"RELAY_TEST_ENGINE is {name!r}; use 'sqlite' or 'postgres'")
    return name


def postgres_admin_url() -> str:
    return os.environ.get("RELAY_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


async def _execute_autocommit(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create a fresh, migrated database for this test run and drop it afterwards."""
    admin_url = postgres_admin_url()
    name = f"relay_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_execute_autocommit(admin_url, f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(
            _execute_autocommit(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )


def migrated_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def fresh_sqlite(template: Path, directory: Path) -> str:
    target = directory / "relay.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


async def empty_postgres_tables(url: str) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()
