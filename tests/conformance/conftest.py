"""Shared setup of the external conformance suites."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _sqlite_pass_only(engine_name: str) -> None:
    # make test runs the whole suite once per database engine. These suites test HTTP
    # behaviour against a server with its own SQLite file, so they run once.
    if engine_name == "postgres":
        pytest.skip("conformance suites run once per `make test`, in its SQLite pass")
