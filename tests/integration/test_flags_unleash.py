"""The flag relay.invite-all end to end: a real unleash-server, the real app and faults.

Each test starts the app with `create_app(Settings(...))` against one unleash-server
(started once for this module), or with `uvicorn --workers 2` for the multi-process case.
The server contains one flag, `relay.invite-all`, with a flexibleRollout strategy of 100 %
and the constraint tenantId IN ["demo"]. Tests only switch it on and off.

Most tests pass a flags file that contradicts Unleash (the flag on for demo-2 only), so
a result that came from the flags file cannot pass for one that came from Unleash.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from tests.support.databases import database_engine_name
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient
from tests.support.unleash import UnleashServer, start_unleash_server_or_skip

from relay_graph.app import create_app
from relay_graph.config import Settings
from relay_graph.flags import INVITE_ALL_FLAG

pytestmark = [
    pytest.mark.unleash,
    pytest.mark.skipif(
        database_engine_name() == "postgres",
        reason=(
            "the Unleash tests do not depend on the database engine; "
            "they ran in the SQLite pass"
        ),
    ),
]

CONTEXT_FIELD = "tenantId"
HOST = "127.0.0.1"
# A flag change reaches /api/client/features about 1 s after the admin request, and the
# app fetches every second (unleash_refresh_interval=1), so 15 s leaves room for a slow
# CI runner without hiding a client that stopped polling.
CHANGE_TIMEOUT_SECONDS = 15.0
POLL_INTERVAL_SECONDS = 0.2
# The app must finish its startup within this time when Unleash refuses connections.
UNREACHABLE_STARTUP_LIMIT_SECONDS = 2.0
# Scheduling slack on top of RELAY_UNLEASH_TIMEOUT when Unleash never responds.
SILENT_STARTUP_SLACK_SECONDS = 1.0
UVICORN_STARTUP_TIMEOUT_SECONDS = 30.0
UVICORN_STOP_TIMEOUT_SECONDS = 15.0
# Requests sent at once to the two uvicorn workers. New connections spread across both.
WORKER_BATCH_SIZE = 8

SETTINGS_QUERY = "{ relaySettings { inviteAllEnabled statusCounts { status count } } }"
INVITE_ENABLED_QUERY = "{ relaySettings { inviteAllEnabled } }"
INVITE_ALL_MUTATION = """
mutation {
  inviteAllProviders {
    invitedCount
    skipped { reason count }
    userErrors { code field message }
  }
}
"""


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def unleash_server() -> Iterator[UnleashServer]:
    server = start_unleash_server_or_skip()
    try:
        server.create_context_field(CONTEXT_FIELD, description="Slug of the relay-graph tenant")
        server.create_flag(INVITE_ALL_FLAG, description="Beta: invite all providers")
        server.add_strategy_with_constraint(INVITE_ALL_FLAG, CONTEXT_FIELD, ["demo"])
        yield server
    finally:
        server.stop()


@pytest.fixture
def unleash(unleash_server: UnleashServer) -> UnleashServer:
    """The module's server with the flag switched on, whatever the previous test left."""
    unleash_server.enable(INVITE_ALL_FLAG)
    unleash_server.wait_for_client_state(INVITE_ALL_FLAG, enabled=True)
    return unleash_server


@dataclass(frozen=True)
class Tenants:
    """Admin tokens of the tenants demo and demo-2, each with one invitable provider."""

    demo: str
    other: str


@pytest.fixture
async def tenants(factory: Factory) -> Tenants:
    demo = await factory.tenant("demo", name="Hausverwaltung Müller & Söhne")
    other = await factory.tenant("demo-2", name="Immobilien Nord KG")
    await factory.contact(demo, category="HANDWERKER")
    await factory.contact(other, category="HANDWERKER")
    return Tenants(
        demo=await factory.token(demo, user_id="flag-tester"),
        other=await factory.token(other, user_id="flag-tester"),
    )


@pytest.fixture
def contrary_flags_file(tmp_path: Path) -> Path:
    """A flags file that switches the flag on for demo-2 only, the opposite of Unleash."""
    return write_flags_file(tmp_path / "flags-demo-2.json", ["demo-2"])


@pytest.fixture
def closed_port_url() -> Iterator[str]:
    """URL of a port on 127.0.0.1 that refuses connections.

    The socket stays bound without listening, so the kernel refuses every connection
    and no other process can take the port during the test.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as bound:
        bound.bind((HOST, 0))
        yield f"http://{HOST}:{bound.getsockname()[1]}/api"


# -- helpers --------------------------------------------------------------------------------


def write_flags_file(path: Path, tenant_slugs: Sequence[str]) -> Path:
    """Write a flags file in the format of /api/client/features with the flag on for the slugs."""
    features = {
        "version": 1,
        "features": [
            {
                "name": INVITE_ALL_FLAG,
                "type": "release",
                "enabled": True,
                "stale": False,
                "impressionData": False,
                "strategies": [
                    {
                        "name": "flexibleRollout",
                        "parameters": {
                            "rollout": "100",
                            "stickiness": "default",
                            "groupId": INVITE_ALL_FLAG,
                        },
                        "constraints": [
                            {
                                "contextName": CONTEXT_FIELD,
                                "operator": "IN",
                                "values": list(tenant_slugs),
                                "caseInsensitive": False,
                                "inverted": False,
                            }
                        ],
                    }
                ],
                "variants": [],
            }
        ],
    }
    path.write_text(json.dumps(features), encoding="utf-8")
    return path


def app_settings(
    database_url: str,
    *,
    unleash_url: str | None,
    api_token: str | None,
    cache_dir: Path | None,
    flags_file: Path,
    timeout: float | None = None,
) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "unleash_url": unleash_url,
        "unleash_api_token": api_token,
        "unleash_refresh_interval": 1,
        "unleash_cache_dir": cache_dir,
        "flags_file": flags_file,
        # These tests check flags, so the emails that inviting queues stay undelivered.
        "outbox_worker": False,
    }
    if timeout is not None:
        values["unleash_timeout"] = timeout
    return Settings(**values)


@dataclass
class RunningApp:
    gql: GraphQLClient
    startup_seconds: float

    async def invite_all_enabled(self, token: str) -> bool:
        data = await self.gql.execute(INVITE_ENABLED_QUERY, token=token)
        enabled: bool = data["relaySettings"]["inviteAllEnabled"]
        return enabled


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[RunningApp]:
    """Run the app's lifespan and yield a GraphQL client for it until the block exits."""
    app = create_app(settings)
    started = time.monotonic()
    async with LifespanManager(app, startup_timeout=10, shutdown_timeout=10) as manager:
        startup_seconds = time.monotonic() - started
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield RunningApp(GraphQLClient(http), startup_seconds)


async def wait_for_value(
    read: Callable[[], Awaitable[bool]], expected: bool, timeout: float
) -> bool:
    """Call `read` until it returns `expected` or `timeout` seconds pass.

    Returns the last value that `read` returned.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = await read()
        if value == expected or time.monotonic() >= deadline:
            return value
        await asyncio.sleep(POLL_INTERVAL_SECONDS)


def status_counts(data: dict[str, Any]) -> dict[str, int]:
    return {item["status"]: item["count"] for item in data["relaySettings"]["statusCounts"]}


def unleash_scheduler_threads() -> list[threading.Thread]:
    # APScheduler 3.11 names the thread of a BackgroundScheduler "APScheduler", and the SDK
    # runs its polling on one.
    return [thread for thread in threading.enumerate() if thread.name == "APScheduler"]


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never sends a byte."""

    def __init__(self) -> None:
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://{HOST}:{port}/api"

    async def __aenter__(self) -> SilentServer:
        self._server = await asyncio.start_server(self._hold, HOST, 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        # Read and drop the request until the client gives up and closes the connection.
        with suppress(ConnectionError):
            while await reader.read(4096):
                pass
        writer.close()


# -- one process: evaluation and changes ----------------------------------------------------


async def test_flag_follows_tenant_constraint(
    unleash: UnleashServer,
    tenants: Tenants,
    database_url: str,
    contrary_flags_file: Path,
    tmp_path: Path,
) -> None:
    settings = app_settings(
        database_url,
        unleash_url=unleash.url,
        api_token=unleash.client_token,
        cache_dir=tmp_path / "unleash-cache",
        flags_file=contrary_flags_file,
    )

    async with running_app(settings) as app:
        assert await app.invite_all_enabled(tenants.demo) is True
        invited = await app.gql.execute(INVITE_ALL_MUTATION, token=tenants.demo)
        assert invited["inviteAllProviders"]["userErrors"] == []
        assert invited["inviteAllProviders"]["invitedCount"] == 1
        demo_after = await app.gql.execute(SETTINGS_QUERY, token=tenants.demo)
        assert status_counts(demo_after)["INVITED"] == 1
        assert status_counts(demo_after)["INVITABLE"] == 0

        before = await app.gql.execute(SETTINGS_QUERY, token=tenants.other)
        assert before["relaySettings"]["inviteAllEnabled"] is False
        rejected = await app.gql.execute(INVITE_ALL_MUTATION, token=tenants.other)
        after = await app.gql.execute(SETTINGS_QUERY, token=tenants.other)

    payload = rejected["inviteAllProviders"]
    assert [error["code"] for error in payload["userErrors"]] == ["FEATURE_DISABLED"]
    assert payload["invitedCount"] == 0
    assert status_counts(before)["INVITABLE"] == 1
    assert status_counts(after) == status_counts(before)


async def test_flag_change_reaches_running_app(
    unleash: UnleashServer,
    tenants: Tenants,
    database_url: str,
    contrary_flags_file: Path,
    tmp_path: Path,
) -> None:
    settings = app_settings(
        database_url,
        unleash_url=unleash.url,
        api_token=unleash.client_token,
        cache_dir=tmp_path / "unleash-cache",
        flags_file=contrary_flags_file,
    )

    async with running_app(settings) as app:
        assert await app.invite_all_enabled(tenants.demo) is True
        assert len(unleash_scheduler_threads()) == 1

        unleash.disable(INVITE_ALL_FLAG)
        switched_off = await wait_for_value(
            lambda: app.invite_all_enabled(tenants.demo), False, CHANGE_TIMEOUT_SECONDS
        )
        assert switched_off is False, (
            f"demo still had the flag on {CHANGE_TIMEOUT_SECONDS} s after Unleash switched it off"
        )
        assert await app.invite_all_enabled(tenants.other) is False

        unleash.enable(INVITE_ALL_FLAG)
        switched_on = await wait_for_value(
            lambda: app.invite_all_enabled(tenants.demo), True, CHANGE_TIMEOUT_SECONDS
        )
        assert switched_on is True, (
            f"demo still had the flag off {CHANGE_TIMEOUT_SECONDS} s after Unleash switched it on"
        )
        assert await app.invite_all_enabled(tenants.other) is False

    assert unleash_scheduler_threads() == []


# -- Unleash unreachable at startup ---------------------------------------------------------


async def test_unreachable_unleash_uses_cached_state(
    unleash: UnleashServer,
    tenants: Tenants,
    database_url: str,
    contrary_flags_file: Path,
    closed_port_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache_dir = tmp_path / "unleash-cache"
    online = app_settings(
        database_url,
        unleash_url=unleash.url,
        api_token=unleash.client_token,
        cache_dir=cache_dir,
        flags_file=contrary_flags_file,
    )
    async with running_app(online) as app:
        assert await app.invite_all_enabled(tenants.demo) is True
    # fcache writes pickle files with mode 0o666, so only its folder keeps other users out.
    assert stat.S_IMODE((cache_dir / "cache").stat().st_mode) == 0o700

    unreachable = online.model_copy(update={"unleash_url": closed_port_url})
    async with running_app(unreachable) as app:
        assert app.startup_seconds < UNREACHABLE_STARTUP_LIMIT_SECONDS
        assert await app.invite_all_enabled(tenants.demo) is True
        assert await app.invite_all_enabled(tenants.other) is False

    # Two clients in one process need distinct instance ids, or the SDK logs an error.
    duplicate_warnings = [
        record.getMessage()
        for record in caplog.records
        if record.name == "UnleashClient" and "instance(s) configured" in record.getMessage()
    ]
    assert duplicate_warnings == []


async def test_unreachable_unleash_keeps_cached_off_state(
    unleash: UnleashServer,
    tenants: Tenants,
    database_url: str,
    closed_port_url: str,
    tmp_path: Path,
) -> None:
    unleash.disable(INVITE_ALL_FLAG)
    unleash.wait_for_client_state(INVITE_ALL_FLAG, enabled=False)
    cache_dir = tmp_path / "unleash-cache"
    online = app_settings(
        database_url,
        unleash_url=unleash.url,
        api_token=unleash.client_token,
        cache_dir=cache_dir,
        flags_file=write_flags_file(tmp_path / "flags-demo.json", ["demo"]),
    )
    async with running_app(online) as app:
        assert await app.invite_all_enabled(tenants.demo) is False

    # The flags file would switch demo on, but the state Unleash last sent must win.
    unreachable = online.model_copy(update={"unleash_url": closed_port_url})
    async with running_app(unreachable) as app:
        assert app.startup_seconds < UNREACHABLE_STARTUP_LIMIT_SECONDS
        assert await app.invite_all_enabled(tenants.demo) is False
        assert await app.invite_all_enabled(tenants.other) is False


async def test_unreachable_unleash_without_cache_uses_flags_file(
    tenants: Tenants,
    database_url: str,
    closed_port_url: str,
    tmp_path: Path,
) -> None:
    cache_dir = tmp_path / "unleash-cache"
    first = app_settings(
        database_url,
        unleash_url=closed_port_url,
        api_token="default:development.not-a-real-token",
        cache_dir=cache_dir,
        flags_file=write_flags_file(tmp_path / "flags-demo-2.json", ["demo-2"]),
    )
    async with running_app(first) as app:
        assert app.startup_seconds < UNREACHABLE_STARTUP_LIMIT_SECONDS
        assert await app.invite_all_enabled(tenants.demo) is False
        assert await app.invite_all_enabled(tenants.other) is True

    # The flags file is a fallback, not a state from Unleash: an edited file applies on the
    # next start, so the first file must not have been kept in Unleash's cache.
    edited = first.model_copy(
        update={"flags_file": write_flags_file(tmp_path / "flags-demo.json", ["demo"])}
    )
    async with running_app(edited) as app:
        assert await app.invite_all_enabled(tenants.demo) is True
        assert await app.invite_all_enabled(tenants.other) is False

    missing = first.model_copy(update={"flags_file": tmp_path / "no-such-flags.json"})
    async with running_app(missing) as app:
        assert await app.invite_all_enabled(tenants.demo) is False
        assert await app.invite_all_enabled(tenants.other) is False


async def test_offline_run_keeps_unleash_cache(
    unleash: UnleashServer,
    tenants: Tenants,
    database_url: str,
    contrary_flags_file: Path,
    closed_port_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache_dir = tmp_path / "unleash-cache"
    online = app_settings(
        database_url,
        unleash_url=unleash.url,
        api_token=unleash.client_token,
        cache_dir=cache_dir,
        flags_file=contrary_flags_file,
    )
    async with running_app(online) as app:
        assert await app.invite_all_enabled(tenants.demo) is True

    offline = online.model_copy(update={"unleash_url": None, "unleash_api_token": None})
    caplog.clear()
    async with running_app(offline) as app:
        assert await app.invite_all_enabled(tenants.demo) is False
        assert await app.invite_all_enabled(tenants.other) is True
    # The SDK logs every failed request (registration, fetch, metrics) at WARNING or above.
    sdk_problems = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("UnleashClient") and record.levelno >= logging.WARNING
    ]
    assert sdk_problems == []

    unreachable = online.model_copy(update={"unleash_url": closed_port_url})
    async with running_app(unreachable) as app:
        assert await app.invite_all_enabled(tenants.demo) is True
        assert await app.invite_all_enabled(tenants.other) is False


async def test_default_cache_folder_is_private_and_removed(
    unleash: UnleashServer,
    tenants: Tenants,
    database_url: str,
    contrary_flags_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    temp_root = tmp_path / "temp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    settings = app_settings(
        database_url,
        unleash_url=unleash.url,
        api_token=unleash.client_token,
        cache_dir=None,
        flags_file=contrary_flags_file,
    )

    async with running_app(settings) as app:
        assert await app.invite_all_enabled(tenants.demo) is True
        folders = list(temp_root.glob("relay-graph-unleash-*"))
        assert len(folders) == 1
        assert stat.S_IMODE((folders[0] / "cache").stat().st_mode) == 0o700

    assert list(temp_root.iterdir()) == []


# -- Unleash accepts connections but never responds -----------------------------------------


@pytest.mark.parametrize("timeout", [None, 0.5], ids=["default-timeout", "timeout-0.5s"])
async def test_silent_unleash_does_not_block_startup(
    unleash: UnleashServer,
    tenants: Tenants,
    database_url: str,
    contrary_flags_file: Path,
    tmp_path: Path,
    timeout: float | None,
) -> None:
    cache_dir = tmp_path / "unleash-cache"
    online = app_settings(
        database_url,
        unleash_url=unleash.url,
        api_token=unleash.client_token,
        cache_dir=cache_dir,
        flags_file=contrary_flags_file,
    )
    async with running_app(online) as app:
        assert await app.invite_all_enabled(tenants.demo) is True

    async with SilentServer() as silent:
        hanging = app_settings(
            database_url,
            unleash_url=silent.url,
            api_token=unleash.client_token,
            cache_dir=cache_dir,
            flags_file=contrary_flags_file,
            timeout=timeout,
        )
        configured_timeout = hanging.unleash_timeout
        async with running_app(hanging) as app:
            assert silent.connections >= 1
            assert app.startup_seconds < configured_timeout + SILENT_STARTUP_SLACK_SECONDS
            # The SDK's first fetch still waits for a response, so the cached state applies.
            assert await app.invite_all_enabled(tenants.demo) is True
            assert await app.invite_all_enabled(tenants.other) is False

    assert unleash_scheduler_threads() == []


# -- two uvicorn worker processes -----------------------------------------------------------

_ACCESS_LINE = re.compile(r"^(?P<pid>\d+) uvicorn\.access: [\d.]+:(?P<port>\d+) - ", re.M)
_STARTUP_LINE = re.compile(
    r"^(?P<pid>\d+) uvicorn\.error: Application startup complete\.", re.M
)


@dataclass
class UvicornWorkers:
    """`uvicorn relay_graph.app:create_app --factory --workers 2` with a log that names pids."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    answers: dict[int, list[bool]] = field(default_factory=dict)

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def worker_pids(self) -> set[int]:
        return {int(match["pid"]) for match in _STARTUP_LINE.finditer(self.log_text())}

    def pid_by_client_port(self) -> dict[int, int]:
        return {
            int(match["port"]): int(match["pid"])
            for match in _ACCESS_LINE.finditer(self.log_text())
        }


def uvicorn_log_config(path: Path) -> Path:
    """Write a logging config that starts every line with the pid of the worker."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"pid": {"format": "%(process)d %(name)s: %(message)s"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "pid",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {"uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=UVICORN_STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=UVICORN_STOP_TIMEOUT_SECONDS)


@pytest.fixture
def uvicorn_workers(
    unleash: UnleashServer,
    tenants: Tenants,
    database_url: str,
    contrary_flags_file: Path,
    tmp_path: Path,
) -> Iterator[UvicornWorkers]:
    port = free_port()
    log_path = tmp_path / "uvicorn.log"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("RELAY_")}
    environment.update(
        {
            "RELAY_DATABASE_URL": database_url,
            "RELAY_UNLEASH_URL": unleash.url,
            "RELAY_UNLEASH_API_TOKEN": unleash.client_token,
            "RELAY_UNLEASH_REFRESH_INTERVAL": "1",
            "RELAY_UNLEASH_CACHE_DIR": str(tmp_path / "unleash-cache"),
            "RELAY_FLAGS_FILE": str(contrary_flags_file),
            "RELAY_OUTBOX_WORKER": "false",
            # The test polls both workers many times with one token. The rate limit is
            # tested elsewhere, and here it would only turn some polls into 429s.
            "RELAY_RATE_LIMIT_PER_SECOND": "0",
        }
    )
    command = [
        sys.executable, "-m", "uvicorn", "relay_graph.app:create_app", "--factory",
        "--workers", "2", "--host", HOST, "--port", str(port),
        "--log-config", str(uvicorn_log_config(tmp_path / "uvicorn-logging.json")),
    ]  # fmt: skip
    with log_path.open("wb") as log:
        # tmp_path as working directory keeps a developer's .env out of the settings.
        process = subprocess.Popen(
            command,
            cwd=tmp_path,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    workers = UvicornWorkers(process, f"http://{HOST}:{port}", log_path)
    try:
        deadline = time.monotonic() + UVICORN_STARTUP_TIMEOUT_SECONDS
        while len(workers.worker_pids()) < 2:
            if process.poll() is not None or time.monotonic() >= deadline:
                pytest.fail(
                    f"uvicorn did not start two workers (exit code {process.poll()}); "
                    f"log:\n{workers.log_text()[-4000:]}"
                )
            time.sleep(POLL_INTERVAL_SECONDS)
        yield workers
    finally:
        stop_process_group(process)


async def ask_worker(http: httpx.AsyncClient, token: str) -> tuple[int, bool]:
    """Send one query on a new connection; return the client port and inviteAllEnabled."""
    async with http.stream(
        "POST",
        "/graphql",
        json={"query": INVITE_ENABLED_QUERY},
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        client_port: int = response.extensions["network_stream"].get_extra_info("client_addr")[1]
        body = json.loads(await response.aread())
    assert response.status_code == 200, body
    enabled: bool = body["data"]["relaySettings"]["inviteAllEnabled"]
    return client_port, enabled


async def wait_until_every_worker_answers(
    workers: UvicornWorkers, token: str, expected: bool, timeout: float
) -> dict[int, list[bool]]:
    """Query both workers until each one has returned `expected`, and return the values per pid.

    Every request opens a new connection, so the kernel spreads them over the workers,
    and uvicorn's access log maps each client port to the pid that handled it.
    """
    answers: dict[int, list[bool]] = {pid: [] for pid in workers.worker_pids()}
    unmatched: dict[int, bool] = {}
    limits = httpx.Limits(max_keepalive_connections=0)
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=workers.base_url, limits=limits, trust_env=False) as http:
        while True:
            batch = await asyncio.gather(
                *(ask_worker(http, token) for _ in range(WORKER_BATCH_SIZE))
            )
            unmatched.update(batch)
            pids = workers.pid_by_client_port()
            for port in sorted(unmatched):
                if port in pids:
                    answers.setdefault(pids[port], []).append(unmatched.pop(port))
            if all(expected in seen for seen in answers.values()):
                return answers
            if time.monotonic() >= deadline:
                return answers
            await asyncio.sleep(POLL_INTERVAL_SECONDS)


def assert_every_worker_switched(answers: dict[int, list[bool]], expected: bool) -> None:
    assert len(answers) == 2, f"expected answers from 2 worker pids, got {sorted(answers)}"
    for pid, seen in answers.items():
        assert expected in seen, (
            f"worker {pid} never answered inviteAllEnabled={expected} within "
            f"{CHANGE_TIMEOUT_SECONDS} s; its answers: {seen}"
        )
        # No check that a worker never falls back after the change. The kernel reuses
        # client ports, so a response of the other worker can be attributed to this pid
        # when an old access-log line names the same port.


async def test_two_workers_follow_flag_change(
    unleash: UnleashServer, tenants: Tenants, uvicorn_workers: UvicornWorkers
) -> None:
    assert uvicorn_workers.process.pid not in uvicorn_workers.worker_pids()

    initial = await wait_until_every_worker_answers(
        uvicorn_workers, tenants.demo, True, CHANGE_TIMEOUT_SECONDS
    )
    assert_every_worker_switched(initial, True)

    unleash.disable(INVITE_ALL_FLAG)
    switched_off = await wait_until_every_worker_answers(
        uvicorn_workers, tenants.demo, False, CHANGE_TIMEOUT_SECONDS
    )
    assert_every_worker_switched(switched_off, False)

    unleash.enable(INVITE_ALL_FLAG)
    switched_on = await wait_until_every_worker_answers(
        uvicorn_workers, tenants.demo, True, CHANGE_TIMEOUT_SECONDS
    )
    assert_every_worker_switched(switched_on, True)

