"""`relay-graph serve --workers 2` as a user starts it: real processes on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from tests.support.databases import database_engine_name

pytestmark = pytest.mark.skipif(
    database_engine_name() == "postgres",
    reason="process handling does not depend on the database engine; it ran in the SQLite pass",
)

STARTUP_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_ready(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early with code {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server did not answer {url} within {STARTUP_TIMEOUT_SECONDS} s")


def test_two_workers_run_one_outbox_worker(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("RELAY_")}
    environment.update(
        {
            "RELAY_DATABASE_URL": database_url,
            "RELAY_OUTBOX_WORKER": "true",
            "RELAY_OUTBOX_POLL_INTERVAL": "0.5",
            "RELAY_MAIL_DIR": str(tmp_path / "mail"),
            "RELAY_LOG_LEVEL": "INFO",
        }
    )
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "relay_graph.cli",
                "serve",
                "--workers",
                "2",
                "--port",
                str(port),
            ],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            wait_until_ready(f"http://127.0.0.1:{port}/readyz", process)
            # Both processes finish their lifespan before uvicorn accepts requests in each.
            time.sleep(2)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)

    output = log_path.read_text()
    assert output.count("Application startup complete") == 2, output
    # The other process waits for the host lock. When the first one stops during the
    # shutdown, the waiting one may take over for a moment, but never while it still runs.
    running = 0
    for line in output.splitlines():
        if "outbox worker started" in line:
            running += 1
        elif "outbox worker stopped" in line:
            running -= 1
        assert running <= 1, output
    assert output.count("outbox worker started") >= 1, output
    assert running == 0, output
