from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from tests.conftest import StatementCounter
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

from relay_graph.db.engine import create_engine, create_session_factory
from relay_graph.db.models import Assignment, Contact, Property, ProviderType

UPSERT_CONTACTS = """
mutation Upsert($items: [ContactInput!]!) {
  upsertContacts(items: $items) {
    results { index externalId outcome contact { externalId firstName email emailValid phone } }
    userErrors { field code message }
  }
}
"""

UPSERT_CONTACTS_WITHOUT_NODES = """
mutation Upsert($items: [ContactInput!]!) {
  upsertContacts(items: $items) {
    results { index outcome }
    userErrors { field code }
  }
}
"""

UPSERT_PROPERTIES = """
mutation Upsert($items: [PropertyInput!]!) {
  upsertProperties(items: $items) {
    results { index externalId outcome property { externalId name city } }
    userErrors { field code }
  }
}
"""

SET_RESPONSIBILITIES = """
mutation Set($items: [PropertyResponsibilitiesInput!]!) {
  setResponsibilities(items: $items) {
    results { index propertyExternalId outcome addedCount removedCount property { externalId } }
    categorizedContactsCount
    userErrors { field code }
  }
}
"""


async def fetch_all(database_url: str, statement: Any) -> list[Any]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return list((await session.execute(statement)).all())
    finally:
        await engine.dispose()


async def count_rows(database_url: str, model: Any, tenant_id: int) -> int:
    statement = select(func.count()).select_from(model).where(model.tenant_id == tenant_id)
    rows = await fetch_all(database_url, statement)
    return int(rows[0][0])


async def held_pairs(database_url: str, property_id: int) -> set[tuple[str | None, str]]:
    statement = (
        select(Contact.external_id, ProviderType.name)
        .join(Assignment, Assignment.contact_id == Contact.id)
        .join(ProviderType, ProviderType.id == Assignment.provider_type_id)
        .where(Assignment.property_id == property_id)
    )
    return {(row[0], row[1]) for row in await fetch_all(database_url, statement)}


def contact_items(count: int, prefix: str = "K") -> list[dict[str, Any]]:
    return [
        {
            "externalId": f"{prefix}{number:05d}",
            "lastName": f"Muster {number}",
            "email": f"kontakt{number}@beispiel.example",
        }
        for number in range(count)
    ]


# --- upsertContacts ------------------------------------------------------------------


async def test_upsert_contacts_create_then_unchanged_then_update(
    gql: GraphQLClient, demo: Any
) -> None:
    items = [
        {"externalId": "K1", "firstName": "Erika", "email": "Erika@Beispiel.example"},
        {"externalId": "K2", "firstName": "Max"},
    ]

    first = (await gql.execute(UPSERT_CONTACTS, {"items": items}, token=demo.admin))[
        "upsertContacts"
    ]
    second = (await gql.execute(UPSERT_CONTACTS, {"items": items}, token=demo.admin))[
        "upsertContacts"
    ]
    items[1]["firstName"] = "Moritz"
    third = (await gql.execute(UPSERT_CONTACTS, {"items": items}, token=demo.admin))[
        "upsertContacts"
    ]

    assert first["userErrors"] == []
    assert [result["outcome"] for result in first["results"]] == ["CREATED", "CREATED"]
    assert first["results"][0]["contact"]["email"] == "erika@beispiel.example"
    assert first["results"][0]["contact"]["emailValid"] is True
    assert [result["outcome"] for result in second["results"]] == ["UNCHANGED", "UNCHANGED"]
    assert [result["outcome"] for result in third["results"]] == ["UNCHANGED", "UPDATED"]
    assert third["results"][1]["contact"]["firstName"] == "Moritz"


async def test_upsert_contacts_mixed_valid_and_invalid(
    gql: GraphQLClient, demo: Any, database_url: str
) -> None:
    items = [
        {"externalId": "K1", "lastName": "Gültig", "email": "gueltig@beispiel.example"},
        {"externalId": "K2", "lastName": "Ungültig", "email": "info(at)beispiel.example"},
        {"externalId": "  ", "lastName": "Ohne Nummer"},
        {"externalId": "K4", "phone": "0" * 65},
        {"externalId": "K1", "lastName": "Doppelt"},
    ]

    data = await gql.execute(UPSERT_CONTACTS, {"items": items}, token=demo.admin)

    payload = data["upsertContacts"]
    outcomes = [result["outcome"] for result in payload["results"]]
    assert outcomes == ["CREATED", "CREATED", "REJECTED", "REJECTED", "REJECTED"]
    assert [result["index"] for result in payload["results"]] == [0, 1, 2, 3, 4]
    errors = [(error["field"], error["code"]) for error in payload["userErrors"]]
    assert errors == [
        (["items", "1", "email"], "INVALID_EMAIL"),
        (["items", "2", "externalId"], "MISSING_VALUE"),
        (["items", "3", "phone"], "VALUE_TOO_LONG"),
        (["items", "4", "externalId"], "DUPLICATE_ITEM"),
    ]
    stored_invalid = payload["results"][1]["contact"]
    assert stored_invalid["email"] == "info(at)beispiel.example"
    assert stored_invalid["emailValid"] is False
    assert payload["results"][0]["contact"]["emailValid"] is True
    assert await count_rows(database_url, Contact, demo.tenant.id) == 2


async def test_upsert_contacts_keeps_omitted_and_clears_null(gql: GraphQLClient, demo: Any) -> None:
    created = {
        "externalId": "K1",
        "firstName": "Erika",
        "phone": "0351 123",
        "email": "e@b.example",
    }
    await gql.execute(UPSERT_CONTACTS, {"items": [created]}, token=demo.admin)

    change = {"externalId": "K1", "firstName": "Erika", "phone": None}
    data = await gql.execute(UPSERT_CONTACTS, {"items": [change]}, token=demo.admin)

    result = data["upsertContacts"]["results"][0]
    assert result["outcome"] == "UPDATED"
    assert result["contact"]["phone"] is None
    assert result["contact"]["email"] == "e@b.example"


async def test_upsert_contacts_messages_follow_language(gql: GraphQLClient, demo: Any) -> None:
    items = [{"externalId": "K1", "email": "kaputt@"}]

    german = await gql.execute(UPSERT_CONTACTS, {"items": items}, token=demo.admin)
    english = await gql.execute(UPSERT_CONTACTS, {"items": items}, token=demo.admin, language="en")

    german_error = german["upsertContacts"]["userErrors"][0]
    english_error = english["upsertContacts"]["userErrors"][0]
    assert german_error["code"] == english_error["code"] == "INVALID_EMAIL"
    assert german_error["message"] != english_error["message"]
    assert "kaputt@" in english_error["message"]


# --- upsertProperties ----------------------------------------------------------------


async def test_upsert_properties_names_nameless_property_by_number(
    gql: GraphQLClient, demo: Any
) -> None:
    items = [
        {"externalId": "WEG-1", "name": "Wohnanlage Lindenweg 3", "city": "Dresden"},
        {"externalId": "WEG-2", "city": "Leipzig"},
        {"externalId": "WEG-3", "name": "  "},
    ]

    data = await gql.execute(UPSERT_PROPERTIES, {"items": items}, token=demo.admin)

    results = data["upsertProperties"]["results"]
    assert data["upsertProperties"]["userErrors"] == []
    assert [result["outcome"] for result in results] == ["CREATED"] * 3
    assert [result["property"]["name"] for result in results] == [
        "Wohnanlage Lindenweg 3",
        "WEG-2",
        "WEG-3",
    ]


async def test_upsert_properties_second_call_is_unchanged(gql: GraphQLClient, demo: Any) -> None:
    items = [{"externalId": "WEG-1", "name": "Haus A", "postalCode": "01067"}]

    await gql.execute(UPSERT_PROPERTIES, {"items": items}, token=demo.admin)
    data = await gql.execute(UPSERT_PROPERTIES, {"items": items}, token=demo.admin)

    assert data["upsertProperties"]["results"][0]["outcome"] == "UNCHANGED"


# --- setResponsibilities -------------------------------------------------------------


async def test_set_responsibilities_replaces_the_list(
    gql: GraphQLClient, demo: Any, factory: Factory, database_url: str
) -> None:
    prop = await factory.property(demo.tenant, external_id="WEG-1")
    await factory.contact(demo.tenant, external_id="K1")
    await factory.contact(demo.tenant, external_id="K2")
    first_list = [
        {"contactExternalId": "K1", "providerTypeName": "Elektriker"},
        {"contactExternalId": "K2", "providerTypeName": "Hausmeister"},
        {"contactExternalId": "K2", "providerTypeName": "Hausmeister"},
    ]
    second_list = [
        {"contactExternalId": "K1", "providerTypeName": "Elektriker"},
        {"contactExternalId": "K1", "providerTypeName": "Maler"},
    ]

    def call(entries: list[dict[str, str]]) -> dict[str, Any]:
        return {"items": [{"propertyExternalId": "WEG-1", "responsibilities": entries}]}

    created = await gql.execute(SET_RESPONSIBILITIES, call(first_list), token=demo.admin)
    repeated = await gql.execute(SET_RESPONSIBILITIES, call(first_list), token=demo.admin)
    replaced = await gql.execute(SET_RESPONSIBILITIES, call(second_list), token=demo.admin)
    held_after_replace = await held_pairs(database_url, prop.id)
    emptied = await gql.execute(SET_RESPONSIBILITIES, call([]), token=demo.admin)

    first = created["setResponsibilities"]["results"][0]
    assert (first["outcome"], first["addedCount"], first["removedCount"]) == ("UPDATED", 2, 0)
    assert first["property"] == {"externalId": "WEG-1"}
    again = repeated["setResponsibilities"]["results"][0]
    assert (again["outcome"], again["addedCount"], again["removedCount"]) == ("UNCHANGED", 0, 0)
    swap = replaced["setResponsibilities"]["results"][0]
    assert (swap["outcome"], swap["addedCount"], swap["removedCount"]) == ("UPDATED", 1, 1)
    assert held_after_replace == {("K1", "Elektriker"), ("K1", "Maler")}
    cleared = emptied["setResponsibilities"]["results"][0]
    assert (cleared["outcome"], cleared["removedCount"]) == ("UPDATED", 2)
    assert await held_pairs(database_url, prop.id) == set()


async def test_set_responsibilities_unknown_reference_keeps_property(
    gql: GraphQLClient, demo: Any, factory: Factory, database_url: str
) -> None:
    prop = await factory.property(demo.tenant, external_id="WEG-1")
    other_prop = await factory.property(demo.tenant, external_id="WEG-2")
    contact = await factory.contact(demo.tenant, external_id="K1")
    provider_type = await factory.provider_type(demo.tenant, name="Elektriker")
    await factory.assign(contact, prop, provider_type)
    items = [
        {
            "propertyExternalId": "WEG-1",
            "responsibilities": [
                {"contactExternalId": "K1", "providerTypeName": "Maler"},
                {"contactExternalId": "K404", "providerTypeName": "Maler"},
            ],
        },
        {"propertyExternalId": "WEG-404", "responsibilities": []},
        {
            "propertyExternalId": "WEG-2",
            "responsibilities": [
                {"contactExternalId": "K1", "providerTypeName": " "},
            ],
        },
        {
            "propertyExternalId": "WEG-2",
            "responsibilities": [{"contactExternalId": "K1", "providerTypeName": "Dachdecker"}],
        },
    ]

    data = await gql.execute(SET_RESPONSIBILITIES, {"items": items}, token=demo.admin)

    payload = data["setResponsibilities"]
    assert [result["outcome"] for result in payload["results"]] == ["REJECTED"] * 4
    assert [result["property"] for result in payload["results"]] == [None] * 4
    assert [(error["field"], error["code"]) for error in payload["userErrors"]] == [
        (["items", "0", "responsibilities", "1", "contactExternalId"], "UNKNOWN_CONTACT"),
        (["items", "1", "propertyExternalId"], "UNKNOWN_PROPERTY"),
        (["items", "2", "responsibilities", "0", "providerTypeName"], "MISSING_VALUE"),
        (["items", "3", "propertyExternalId"], "DUPLICATE_ITEM"),
    ]
    assert await held_pairs(database_url, prop.id) == {("K1", "Elektriker")}
    assert await held_pairs(database_url, other_prop.id) == set()
    assert await count_rows(database_url, ProviderType, demo.tenant.id) == 1


async def test_set_responsibilities_rejects_bad_numbers_per_item(
    gql: GraphQLClient, demo: Any, factory: Factory, database_url: str
) -> None:
    """A NUL reached PostgreSQL and failed the whole call; now only its item is rejected."""
    prop = await factory.property(demo.tenant, external_id="WEG-1")
    await factory.contact(demo.tenant, external_id="K1")
    items = [
        {
            "propertyExternalId": "WEG-1",
            "responsibilities": [{"contactExternalId": "K1", "providerTypeName": "Maler"}],
        },
        {"propertyExternalId": "P\u0000X", "responsibilities": []},
        {"propertyExternalId": "P" * 65, "responsibilities": []},
        {
            "propertyExternalId": "WEG-2",
            "responsibilities": [
                {"contactExternalId": "K\u202e1", "providerTypeName": "Maler"},
                {"contactExternalId": "K" * 65, "providerTypeName": "Maler"},
            ],
        },
    ]

    data = await gql.execute(SET_RESPONSIBILITIES, {"items": items}, token=demo.admin)

    payload = data["setResponsibilities"]
    outcomes = [result["outcome"] for result in payload["results"]]
    assert outcomes == ["UPDATED", "REJECTED", "REJECTED", "REJECTED"]
    assert [(error["field"], error["code"]) for error in payload["userErrors"]] == [
        (["items", "1", "propertyExternalId"], "INVALID_CHARACTER"),
        (["items", "2", "propertyExternalId"], "VALUE_TOO_LONG"),
        (["items", "3", "responsibilities", "0", "contactExternalId"], "INVALID_CHARACTER"),
        (["items", "3", "responsibilities", "1", "contactExternalId"], "VALUE_TOO_LONG"),
    ]
    assert await held_pairs(database_url, prop.id) == {("K1", "Maler")}


async def test_set_responsibilities_gives_linked_category(
    gql: GraphQLClient, demo: Any, factory: Factory, database_url: str
) -> None:
    await factory.property(demo.tenant, external_id="WEG-1")
    await factory.provider_type(demo.tenant, name="Hausmeister", category="HAUSMEISTER")
    await factory.contact(demo.tenant, external_id="K1")
    await factory.contact(demo.tenant, external_id="K2", category="HANDWERKER")
    await factory.contact(demo.tenant, external_id="K3")
    items = [
        {
            "propertyExternalId": "WEG-1",
            "responsibilities": [
                {"contactExternalId": "K1", "providerTypeName": "Hausmeister"},
                {"contactExternalId": "K2", "providerTypeName": "Hausmeister"},
                {"contactExternalId": "K3", "providerTypeName": "Neuer Typ"},
            ],
        }
    ]

    data = await gql.execute(SET_RESPONSIBILITIES, {"items": items}, token=demo.admin)

    assert data["setResponsibilities"]["categorizedContactsCount"] == 1
    rows = await fetch_all(
        database_url,
        select(Contact.external_id, Contact.category).where(Contact.tenant_id == demo.tenant.id),
    )
    assert dict(rows) == {"K1": "HAUSMEISTER", "K2": "HANDWERKER", "K3": None}
    type_names = await fetch_all(
        database_url,
        select(ProviderType.name, ProviderType.category).where(
            ProviderType.tenant_id == demo.tenant.id
        ),
    )
    assert dict(type_names) == {"Hausmeister": "HAUSMEISTER", "Neuer Typ": None}


# --- Limits, permissions, tenants ----------------------------------------------------

TOO_MANY = 501


def _too_many_items(mutation: str) -> list[dict[str, Any]]:
    if mutation == "upsertContacts":
        return contact_items(TOO_MANY)
    if mutation == "upsertProperties":
        return [{"externalId": f"WEG-{number}"} for number in range(TOO_MANY)]
    return [
        {"propertyExternalId": f"WEG-{number}", "responsibilities": []}
        for number in range(TOO_MANY)
    ]


MUTATIONS = {
    "upsertContacts": UPSERT_CONTACTS,
    "upsertProperties": UPSERT_PROPERTIES,
    "setResponsibilities": SET_RESPONSIBILITIES,
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
async def test_sync_rejects_501_items_and_writes_nothing(
    gql: GraphQLClient, demo: Any, factory: Factory, database_url: str, mutation: str
) -> None:
    for number in range(3):
        await factory.property(demo.tenant, external_id=f"WEG-{number}")

    data = await gql.execute(
        MUTATIONS[mutation], {"items": _too_many_items(mutation)}, token=demo.admin
    )

    payload = data[mutation]
    assert payload["results"] == []
    assert [(error["field"], error["code"]) for error in payload["userErrors"]] == [
        (["items"], "TOO_MANY_ITEMS")
    ]
    assert await count_rows(database_url, Contact, demo.tenant.id) == 0
    assert await count_rows(database_url, Property, demo.tenant.id) == 3


async def test_sync_accepts_exactly_500_items(gql: GraphQLClient, demo: Any) -> None:
    data = await gql.execute(
        UPSERT_CONTACTS_WITHOUT_NODES, {"items": contact_items(500)}, token=demo.admin
    )

    outcomes = {result["outcome"] for result in data["upsertContacts"]["results"]}
    assert len(data["upsertContacts"]["results"]) == 500
    assert outcomes == {"CREATED"}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
async def test_sync_viewer_is_forbidden(
    gql: GraphQLClient, demo: Any, factory: Factory, database_url: str, mutation: str
) -> None:
    await factory.property(demo.tenant, external_id="WEG-1")
    items = {
        "upsertContacts": [{"externalId": "K1"}],
        "upsertProperties": [{"externalId": "WEG-2"}],
        "setResponsibilities": [{"propertyExternalId": "WEG-1", "responsibilities": []}],
    }[mutation]

    data = await gql.execute(MUTATIONS[mutation], {"items": items}, token=demo.viewer)

    assert data[mutation]["results"] == []
    assert [error["code"] for error in data[mutation]["userErrors"]] == ["FORBIDDEN"]
    assert await count_rows(database_url, Contact, demo.tenant.id) == 0
    assert await count_rows(database_url, Property, demo.tenant.id) == 1


async def test_sync_keeps_tenants_apart(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory, database_url: str
) -> None:
    await factory.contact(other.tenant, external_id="K1", first_name="Fremd")
    await factory.contact(other.tenant, external_id="K2")
    await factory.property(other.tenant, external_id="WEG-1")
    own_property = await factory.property(demo.tenant, external_id="WEG-1")
    entries = [{"contactExternalId": "K2", "providerTypeName": "Maler"}]

    contacts = await gql.execute(
        UPSERT_CONTACTS, {"items": [{"externalId": "K1", "firstName": "Eigen"}]}, token=demo.admin
    )
    responsibilities = await gql.execute(
        SET_RESPONSIBILITIES,
        {"items": [{"propertyExternalId": "WEG-1", "responsibilities": entries}]},
        token=demo.admin,
    )

    assert contacts["upsertContacts"]["results"][0]["outcome"] == "CREATED"
    assert contacts["upsertContacts"]["results"][0]["contact"]["firstName"] == "Eigen"
    other_contacts = await fetch_all(
        database_url,
        select(Contact.external_id, Contact.first_name).where(Contact.tenant_id == other.tenant.id),
    )
    assert sorted(other_contacts) == [("K1", "Fremd"), ("K2", "Erika")]
    errors = responsibilities["setResponsibilities"]["userErrors"]
    assert [error["code"] for error in errors] == ["UNKNOWN_CONTACT"]
    assert await held_pairs(database_url, own_property.id) == set()


# --- Statement counts ----------------------------------------------------------------


async def _statements_for(
    gql: GraphQLClient, statements: StatementCounter, query: str, items: list[Any], token: str
) -> int:
    statements.reset()
    data = await gql.execute(query, {"items": items}, token=token)
    assert all(
        error["code"] != "TOO_MANY_ITEMS" for error in next(iter(data.values()))["userErrors"]
    )
    return statements.count


async def test_upsert_contacts_statements_do_not_grow_with_items(
    gql: GraphQLClient, demo: Any, statements: StatementCounter
) -> None:
    few = await _statements_for(gql, statements, UPSERT_CONTACTS, contact_items(3, "A"), demo.admin)
    many = await _statements_for(
        gql, statements, UPSERT_CONTACTS, contact_items(400, "B"), demo.admin
    )
    updated_items = contact_items(400, "B")
    for item in updated_items:
        item["firstName"] = "Neu"
    updated = await _statements_for(gql, statements, UPSERT_CONTACTS, updated_items, demo.admin)

    assert few == many == updated
    assert many <= 8


async def test_upsert_properties_statements_do_not_grow_with_items(
    gql: GraphQLClient, demo: Any, statements: StatementCounter
) -> None:
    def items(count: int, prefix: str) -> list[dict[str, str]]:
        return [
            {"externalId": f"{prefix}-{number}", "name": f"Haus {number}"}
            for number in range(count)
        ]

    few = await _statements_for(gql, statements, UPSERT_PROPERTIES, items(3, "A"), demo.admin)
    many = await _statements_for(gql, statements, UPSERT_PROPERTIES, items(400, "B"), demo.admin)

    assert few == many
    assert many <= 6


async def test_set_responsibilities_statements_do_not_grow_with_items(
    gql: GraphQLClient, demo: Any, statements: StatementCounter
) -> None:
    await gql.execute(
        UPSERT_CONTACTS_WITHOUT_NODES, {"items": contact_items(310)}, token=demo.admin
    )
    properties = [{"externalId": f"WEG-{number}"} for number in range(310)]
    await gql.execute(UPSERT_PROPERTIES, {"items": properties}, token=demo.admin)

    def items(numbers: range, first_type: str, second_type: str) -> list[dict[str, Any]]:
        return [
            {
                "propertyExternalId": f"WEG-{number}",
                "responsibilities": [
                    {"contactExternalId": f"K{number:05d}", "providerTypeName": first_type},
                    {"contactExternalId": f"K{number + 1:05d}", "providerTypeName": second_type},
                ],
            }
            for number in numbers
        ]

    few = await _statements_for(
        gql, statements, SET_RESPONSIBILITIES, items(range(300, 303), "A", "B"), demo.admin
    )
    # 240 properties with 2 responsibilities each stay within one batch of 500 rows.
    many = await _statements_for(
        gql, statements, SET_RESPONSIBILITIES, items(range(240), "C", "D"), demo.admin
    )
    replaced = await _statements_for(
        gql, statements, SET_RESPONSIBILITIES, items(range(240), "E", "D"), demo.admin
    )

    assert few == many
    # Replacing adds one DELETE for all removed responsibilities together.
    assert replaced == many + 1
    assert many <= 10


async def test_upsert_contacts_control_character(
    gql: GraphQLClient, demo: Any, database_url: str
) -> None:
    items = [
        {"externalId": "U1", "firstName": "Null\u0000Byte"},
        {"externalId": "U2", "firstName": "Tab\tund\nZeile"},
        {"externalId": "U\u001b3", "lastName": "Escape"},
        {"externalId": "U4", "lastName": "Override\u202e"},
        {"externalId": "U5", "company": "C1\u0085Steuerzeichen"},
        # Left-to-right and right-to-left marks only reorder neutral characters: allowed.
        {"externalId": "U6", "firstName": "Marke\u200f"},
        # Not also INVALID_EMAIL, whose message states that the address is stored anyway.
        {"externalId": "U7", "email": "a\u0000@b.de"},
        {"externalId": "U8", "email": "x" * 321},
    ]

    data = await gql.execute(UPSERT_CONTACTS, {"items": items}, token=demo.admin)

    payload = data["upsertContacts"]
    outcomes = [result["outcome"] for result in payload["results"]]
    assert outcomes == [
        "REJECTED", "CREATED", "REJECTED", "REJECTED", "REJECTED", "CREATED", "REJECTED", "REJECTED"
    ]
    errors = [(error["field"], error["code"]) for error in payload["userErrors"]]
    assert errors == [
        (["items", "0", "firstName"], "INVALID_CHARACTER"),
        (["items", "2", "externalId"], "INVALID_CHARACTER"),
        (["items", "3", "lastName"], "INVALID_CHARACTER"),
        (["items", "4", "company"], "INVALID_CHARACTER"),
        (["items", "6", "email"], "INVALID_CHARACTER"),
        (["items", "7", "email"], "VALUE_TOO_LONG"),
    ]
    assert "U+202E" in payload["userErrors"][2]["message"]
    assert "an Stelle 5 das Steuerzeichen U+0000" in payload["userErrors"][0]["message"]
    assert payload["results"][1]["contact"]["firstName"] == "Tab\tund\nZeile"
    assert payload["results"][5]["contact"]["firstName"] == "Marke\u200f"
    assert await count_rows(database_url, Contact, demo.tenant.id) == 2
