from __future__ import annotations

import logging
import sqlite3
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql.mutations import set_contact_category as set_contact_category_module
from relay_graph.services import queries


async def test_unexpected_error_is_masked_and_logged_once(
    gql: GraphQLClient, demo: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("SELECT secret FROM somewhere failed")

    # Both read paths of the contact list: read models, and JSON built in SQL.
    monkeypatch.setattr(queries, "list_contacts", broken)
    monkeypatch.setattr(queries, "list_contact_json", broken)
    caplog.set_level(logging.ERROR)

    response = await gql.post("{ contacts { totalCount } }", token=demo.admin)
    body = response.json()
    error = body["errors"][0]

    assert response.status_code == 200
    assert "secret" not in response.text
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    fault_records = [record for record in caplog.records if record.exc_info]
    assert len(fault_records) == 1
    assert response.headers["x-request-id"] in fault_records[0].getMessage()


async def test_locked_sqlite_database_is_reported_as_busy(
    gql: GraphQLClient, demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that timed out on SQLite's lock, e.g. during an import, can be sent again."""

    async def locked(*_args: Any, **_kwargs: Any) -> Any:
        raise OperationalError("UPDATE contact", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(set_contact_category_module, "set_contact_category", locked)

    response = await gql.post(
        'mutation { setContactCategory(contactId: "Q29udGFjdDox", category: HANDWERKER) '
        "{ userErrors { code } } }",
        token=demo.admin,
    )

    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "DATABASE_BUSY"
    assert "Send the request again" in error["message"]
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]


async def test_client_request_id_is_kept(gql: GraphQLClient, demo: Any) -> None:
    response = await gql.http.post(
        "/graphql",
        json={"query": "{ viewer { role } }"},
        headers={"Authorization": f"Bearer {demo.admin}", "X-Request-ID": "req-123"},
    )

    assert response.headers["x-request-id"] == "req-123"


async def test_validation_error_is_shown(gql: GraphQLClient, demo: Any) -> None:
    errors = await gql.errors("{ contacts { noSuchField } }", token=demo.admin)

    assert "noSuchField" in errors[0]["message"]


async def test_query_depth_is_limited(gql: GraphQLClient, demo: Any) -> None:
    # Each level nests a node, a Contact fragment, assignments and a property: depth 11+.
    opening = 'node(id: "x") { ... on Contact { assignments { property { ' * 4
    closing = " } } } }" * 4
    deep = "{ " + opening + "id" + closing + " }"

    errors = await gql.errors(deep, token=demo.admin)

    assert "exceeds maximum operation depth" in errors[0]["message"]


async def test_aliases_are_limited(gql: GraphQLClient, demo: Any) -> None:
    aliases = " ".join(f"a{index}: viewer {{ role }}" for index in range(31))

    errors = await gql.errors("{ " + aliases + " }", token=demo.admin)

    assert "aliases" in errors[0]["message"].lower()
