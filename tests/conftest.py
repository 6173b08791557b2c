from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import event
from starlette.applications import Starlette
from tests.support.databases import (
    database_engine_name,
    empty_postgres_tables,
    fresh_sqlite,
    migrated_sqlite_template,
    postgres_database,
)
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient
from tests.support.summary import SUMMARY_LINES

from relay_graph.app import create_app
from relay_graph.config import Settings
from relay_graph.db.engine import create_engine, create_session_factory
from relay_graph.domain.roles import Role
from relay_graph.flags import INVITE_ALL_FLAG
from relay_graph.flags.fake import InMemoryFlags


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in SUMMARY_LINES:
        terminalreporter.write_line(line)


def pytest_report_header() -> str:
    return f"relay-graph test database engine: {database_engine_name()}"


@pytest.fixture(scope="session")
def engine_name() -> str:
    return database_engine_name()


@pytest.fixture(scope="session")
def _session_database(engine_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if engine_name == "postgres":
        with postgres_database() as url:
            yield url
    else:
        yield str(migrated_sqlite_template(tmp_path_factory.mktemp("template")))


@pytest.fixture
async def database_url(engine_name: str, _session_database: str, tmp_path: Path) -> str:
    """URL of an empty, migrated database for this test."""
    if engine_name == "postgres":
        await empty_postgres_tables(_session_database)
        return _session_database
    return fresh_sqlite(Path(_session_database), tmp_path)


@pytest.fixture
def flags() -> InMemoryFlags:
    return InMemoryFlags({INVITE_ALL_FLAG: {"demo"}})


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # The in-server outbox worker stays off so tests see queued emails as PENDING;
    # mail delivery tests start it themselves.
    return Settings(
        database_url=database_url,
        registration_url="https://relay.example/registrieren",
        outbox_worker=False,
        mail_dir=tmp_path / "mail",
    )


@pytest.fixture
async def app(settings: Settings, flags: InMemoryFlags) -> AsyncIterator[Starlette]:
    application = create_app(settings, flags=flags)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
async def factory(database_url: str) -> AsyncIterator[Factory]:
    engine = create_engine(database_url)
    yield Factory(create_session_factory(engine))
    await engine.dispose()


@pytest.fixture
async def demo(factory: Factory) -> Any:
    """Tenant `demo` (beta on) with an admin and a viewer token."""
    tenant = await factory.tenant("demo", name="Hausverwaltung Müller & Söhne")
    return _TenantAccess(
        tenant, await factory.token(tenant), await factory.token(tenant, Role.VIEWER)
    )


@pytest.fixture
async def other(factory: Factory) -> Any:
    """Tenant `demo-2` (beta off), for isolation checks."""
    tenant = await factory.tenant("demo-2", name="Immobilien Nord KG")
    return _TenantAccess(
        tenant, await factory.token(tenant), await factory.token(tenant, Role.VIEWER)
    )


class _TenantAccess:
    def __init__(self, tenant: Any, admin: str, viewer: str) -> None:
        self.tenant = tenant
        self.admin = admin
        self.viewer = viewer


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA")):
            self.statements.append(statement)

    def reset(self) -> None:
        self.statements.clear()

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def statements(app: Starlette) -> Iterator[StatementCounter]:
    """Count the SQL statements the app sends (BEGIN and PRAGMA excluded)."""
    counter = StatementCounter()
    sync_engine = app.state.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(sync_engine, "before_cursor_execute", counter)
