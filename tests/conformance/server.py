"""Run relay-graph under uvicorn on 127.0.0.1 for the conformance suites.

The server gets its own migrated SQLite file with one tenant and an admin token, so the
suites send real HTTP requests to the same stack that production serves.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests.support.databases import fresh_sqlite, migrated_sqlite_template
from tests.support.factories import Factory

from relay_graph.db.engine import create_engine, create_session_factory
from relay_graph.domain.roles import Role

HOST = "127.0.0.1"
# The console script that `pip install` put next to the interpreter running the tests.
RELAY_GRAPH = Path(sys.executable).parent / "relay-graph"
STARTUP_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class RunningServer:
    url: str
    admin_token: str
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def is_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


async def _seed(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        factory = Factory(create_session_factory(engine))
        tenant = await factory.tenant("conformance", name="Hausverwaltung Konform GmbH")
        contact = await factory.contact(tenant, category="HANDWERKER")
        prop = await factory.property(tenant)
        provider_type = await factory.provider_type(tenant, category="HANDWERKER")
        await factory.assign(contact, prop, provider_type)
        return await factory.token(tenant, Role.ADMIN, "conformance")
    finally:
        await engine.dispose()


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"relay-graph exited with code {process.returncode} before {url}/healthz "
                    f"returned 200; log:\n{log_path.read_text(errors='replace')}"
                )
            try:
                if client.get(f"{url}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"timed out after {STARTUP_TIMEOUT_SECONDS} s waiting for {url}/healthz"
                )
            time.sleep(0.1)


@contextmanager
def running_server(directory: Path, **settings: str) -> Iterator[RunningServer]:
    """Start `relay-graph serve` with RELAY_* settings from `settings`; stop it afterwards."""
    database_url = fresh_sqlite(migrated_sqlite_template(directory), directory)
    admin_token = asyncio.run(_seed(database_url))
    port = _free_port()
    environment = {
        **os.environ,
        "RELAY_DATABASE_URL": database_url,
        "RELAY_LOG_LEVEL": "WARNING",
        **{f"RELAY_{name.upper()}": value for name, value in settings.items()},
    }
    log_path = directory / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(RELAY_GRAPH), "serve", "--host", HOST, "--port", str(port)],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{HOST}:{port}"
    try:
        _wait_until_healthy(process, url, log_path)
        yield RunningServer(url=f"{url}/graphql", admin_token=admin_token, log_path=log_path)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
