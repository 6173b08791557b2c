from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 15_000

# Execution option that makes a SQLite transaction take the write lock at BEGIN.
# Deferred transactions that upgrade to writing fail with "database is locked"
# instead of waiting when another connection wrote in between.
SQLITE_BEGIN_OPTION = "relay_sqlite_begin"

# SQL function for base64 on SQLite, which has none built in; PostgreSQL has encode().
SQLITE_BASE64_FUNCTION = "relay_base64"


def _base64(text: str | None) -> str | None:
    return None if text is None else base64.b64encode(text.encode()).decode()


# Isolation level that units of work which write ask for on PostgreSQL (its default).
POSTGRES_WRITE_ISOLATION = "READ COMMITTED"
# Isolation level of reads whose statements must share one snapshot. At this level only
# writes can fail with a serialization error (PostgreSQL manual, "Repeatable Read
# Isolation Level"), so these reads need no retry.
POSTGRES_SNAPSHOT_ISOLATION = "REPEATABLE READ"


def create_engine(
    database_url: str, *, autocommit_reads: bool = False, **kwargs: Any
) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, a busy timeout and explicit BEGINs.

    With `autocommit_reads` a PostgreSQL engine runs statements outside a transaction,
    except in units of work that write, which set POSTGRES_WRITE_ISOLATION. A read then
    costs no BEGIN and ROLLBACK round trips, and the check of a pooled connection one
    round trip instead of three. Each statement still reads its own snapshot, as it does
    in a READ COMMITTED transaction. SQLite ignores the setting: its read transactions
    keep one snapshot for all statements and cost no round trip.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        if autocommit_reads:
            kwargs["isolation_level"] = "AUTOCOMMIT"
        return create_async_engine(url, **kwargs)

    engine = create_async_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
    )
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (see the "begin" hook below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # Contact lists build global IDs in SQL (repositories/contact_json.py).
        dbapi_connection.create_function(SQLITE_BASE64_FUNCTION, 1, _base64, deterministic=True)

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"
