from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql.ids import to_global_id

SET_CATEGORY = """
mutation($id: ID!, $category: RelayCategory) {
  setContactCategory(contactId: $id, category: $category) { userErrors { code } }
}
"""


@pytest.mark.parametrize(
    "variables",
    [
        {"id": "Q29udGFjdDox", "category": "PLUMBER"},
        {"id": "Q29udGFjdDox", "category": 3},
        {"category": "HANDWERKER"},
        {"id": None},
        {"id": ["a"], "category": None},
    ],
)
async def test_invalid_variables_are_client_errors(
    gql: GraphQLClient, demo: Any, variables: dict[str, Any]
) -> None:
    response = await gql.post(SET_CATEGORY, variables, token=demo.admin)
    body = response.json()

    assert response.status_code == 200
    assert body["data"] is None
    assert "Variable" in body["errors"][0]["message"]
    assert body["errors"][0].get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR"


async def test_missing_variable_under_graphql_response_type_is_400(
    http: httpx.AsyncClient, demo: Any
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {}},
        headers={
            "Authorization": f"Bearer {demo.admin}",
            "Accept": "application/graphql-response+json",
        },
    )

    assert response.status_code == 400
    assert "$id" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "body",
    [
        b'"hello"',
        b"42",
        b"null",
        b'{"query": "\xff"}',
        b"[" * 100_000,
        # An unpaired UTF-16 surrogate, which no database can store.
        b'{"query": "query($s: String!) { contacts(filter: {search: $s}) { totalCount } }", '
        b'"variables": {"s": "\\ud83c"}}',
        b'{"query": "{ __typename }", "variables": {"n": NaN}}',
    ],
)
async def test_non_object_bodies_are_400(http: httpx.AsyncClient, demo: Any, body: bytes) -> None:
    response = await http.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {demo.admin}", "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def forged_cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "values",
    [
        [["nested"], "x", 1],
        ["Bauer", "Petra", 10**40],
        ["Bauer", "Petra", "not-an-id"],
        [1.5, "x", 1],
        [True, "x", 1],
        # PostgreSQL rejects NUL in a statement; no stored name contains one.
        ["a\u0000", "b", 5],
        # A lone surrogate, which no driver can encode.
        ["\ud800", "b", 1],
        None,
        {"a": 1},
    ],
)
async def test_forged_cursors_are_rejected(
    gql: GraphQLClient, demo: Any, factory: Factory, values: Any
) -> None:
    await factory.contact(demo.tenant)

    errors = await gql.errors(
        "query($after: String) { contacts(after: $after) { nodes { id } } }",
        {"after": forged_cursor(values)},
        token=demo.admin,
    )

    assert errors[0]["extensions"]["code"] == "INVALID_PAGINATION"


@pytest.mark.parametrize("raw_id", ["Contact:0{id}", "Contact:+{id}", "Contact:{arabic}"])
async def test_non_canonical_ids_find_nothing(
    gql: GraphQLClient, demo: Any, factory: Factory, raw_id: str
) -> None:
    contact = await factory.contact(demo.tenant)
    arabic = "".join(chr(0x0660 + int(digit)) for digit in str(contact.id))
    global_id = base64.b64encode(raw_id.format(id=contact.id, arabic=arabic).encode()).decode()

    data = await gql.execute(
        "query($id: ID!) { node(id: $id) { id } }", {"id": global_id}, token=demo.admin
    )

    assert data["node"] is None
    assert to_global_id("Contact", contact.id) != global_id


async def test_several_operations_need_operation_name(gql: GraphQLClient, demo: Any) -> None:
    document = "query A { viewer { role } } mutation B { inviteAllProviders { invitedCount } }"

    unnamed = await gql.post(document, token=demo.admin)
    named = await gql.http.post(
        "/graphql",
        json={"query": document, "operationName": "A"},
        headers={"Authorization": f"Bearer {demo.admin}"},
    )

    assert "operationName" in unnamed.json()["errors"][0]["message"]
    assert unnamed.json()["data"] is None
    assert named.json()["data"] == {"viewer": {"role": "ADMIN"}}


async def test_contact_cursor_on_properties_is_rejected(gql: GraphQLClient, demo: Any) -> None:
    contact_cursor = forged_cursor(["Bauer", "Petra", 10])
    query = "query($after: String) { properties(after: $after) { totalCount } }"

    errors = await gql.errors(query, {"after": contact_cursor}, token=demo.admin)

    assert errors[0]["extensions"]["code"] == "INVALID_PAGINATION"
    assert "cursor of another list or ordering" in errors[0]["message"]


async def test_wrong_content_type_names_json(http: httpx.AsyncClient, demo: Any) -> None:
    response = await http.post(
        "/graphql",
        content=b"query=%7B__typename%7D",
        headers={
            "Authorization": f"Bearer {demo.admin}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "'application/x-www-form-urlencoded'" in error["message"]
    assert "application/json" in error["message"]
