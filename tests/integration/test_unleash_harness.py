"""Check the Unleash test harness against a real unleash-server and the Python UnleashClient."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.support.databases import database_engine_name
from tests.support.unleash import UnleashServer, start_unleash_server_or_skip
from UnleashClient import UnleashClient  # type: ignore[attr-defined]  # 6.9.1 has no __all__

pytestmark = pytest.mark.skipif(
    database_engine_name() == "postgres",
    reason="the harness does not depend on the database engine; it ran in the SQLite pass",
)

FLAG = "relay.invite-all"
CONTEXT_FIELD = "tenantId"
# The client polls every second, so a change reaches it within a few seconds.
CLIENT_TIMEOUT_SECONDS = 15.0


@pytest.fixture(scope="module")
def unleash_server() -> Iterator[UnleashServer]:
    server = start_unleash_server_or_skip()
    try:
        yield server
    finally:
        server.stop()


def _wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.mark.unleash
def test_harness_flag_reaches_python_client(unleash_server: UnleashServer, tmp_path: Path) -> None:
    unleash_server.create_context_field(CONTEXT_FIELD)
    unleash_server.create_flag(FLAG)
    unleash_server.add_strategy_with_constraint(FLAG, CONTEXT_FIELD, ["demo"])
    unleash_server.enable(FLAG)
    unleash_server.wait_for_client_state(FLAG, enabled=True, timeout=10.0)

    client = UnleashClient(
        url=unleash_server.url,
        app_name="relay-graph-tests",
        environment="development",
        instance_id="unleash-harness-test",
        refresh_interval=1,
        disable_metrics=True,
        disable_registration=True,
        custom_headers={"Authorization": unleash_server.client_token},
        cache_directory=str(tmp_path / "unleash-cache"),
    )
    client.initialize_client()
    try:
        assert client.is_initialized
        assert client.is_enabled(FLAG, {"tenantId": "demo"}) is True
        assert client.is_enabled(FLAG, {"tenantId": "demo-2"}) is False
        assert client.is_enabled(FLAG, {}) is False

        unleash_server.disable(FLAG)
        unleash_server.wait_for_client_state(FLAG, enabled=False, timeout=10.0)

        disabled_seen = _wait_until(
            lambda: not client.is_enabled(FLAG, {"tenantId": "demo"}), CLIENT_TIMEOUT_SECONDS
        )
        assert disabled_seen, (
            f"UnleashClient still reported {FLAG} enabled for tenant demo "
            f"{CLIENT_TIMEOUT_SECONDS} s after the server disabled it"
        )
    finally:
        client.destroy()
