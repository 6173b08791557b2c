from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.repositories import contact_json, contact_reads

CONTACTS = """
query Contacts($filter: ContactFilter, $orderBy: ContactOrder, $first: Int, $after: String,
               $last: Int, $before: String) {
  contacts(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last,
           before: $before) {
    totalCount
    edges { cursor node { id lastName } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def last_names(data: dict[str, Any]) -> list[str]:
    return [edge["node"]["lastName"] for edge in data["contacts"]["edges"]]


async def make_named(factory: Factory, tenant: Any, names: list[str]) -> None:
    for name in names:
        await factory.contact(tenant, last_name=name)


async def test_contacts_sorted_by_name(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    await make_named(factory, demo.tenant, ["Weber", "Albrecht", "Müller"])

    data = await gql.execute(CONTACTS, token=demo.admin)

    assert last_names(data) == ["Albrecht", "Müller", "Weber"]
    assert data["contacts"]["totalCount"] == 3


async def test_contacts_descending(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    await make_named(factory, demo.tenant, ["Weber", "Albrecht", "Müller"])

    data = await gql.execute(
        CONTACTS, {"orderBy": {"field": "NAME", "direction": "DESC"}}, token=demo.admin
    )

    assert last_names(data) == ["Weber", "Müller", "Albrecht"]


async def test_forward_pagination_visits_all(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    names = [f"Name{index:02d}" for index in range(7)]
    await make_named(factory, demo.tenant, names)

    seen: list[str] = []
    after = None
    for _ in range(10):
        data = await gql.execute(CONTACTS, {"first": 3, "after": after}, token=demo.admin)
        seen.extend(last_names(data))
        page_info = data["contacts"]["pageInfo"]
        if not page_info["hasNextPage"]:
            break
        after = page_info["endCursor"]

    assert seen == names


async def test_backward_pagination(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    names = [f"Name{index:02d}" for index in range(5)]
    await make_named(factory, demo.tenant, names)

    last_page = await gql.execute(CONTACTS, {"last": 2}, token=demo.admin)
    before = last_page["contacts"]["pageInfo"]["startCursor"]
    previous = await gql.execute(CONTACTS, {"last": 2, "before": before}, token=demo.admin)

    assert last_names(last_page) == ["Name03", "Name04"]
    assert last_page["contacts"]["pageInfo"]["hasPreviousPage"] is True
    assert last_names(previous) == ["Name01", "Name02"]
    assert previous["contacts"]["pageInfo"]["hasNextPage"] is True


async def test_cursor_survives_inserts(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    await make_named(factory, demo.tenant, ["B", "D", "F"])
    first = await gql.execute(CONTACTS, {"first": 2}, token=demo.admin)
    cursor = first["contacts"]["pageInfo"]["endCursor"]

    await make_named(factory, demo.tenant, ["A", "C", "E"])
    second = await gql.execute(CONTACTS, {"first": 10, "after": cursor}, token=demo.admin)

    assert last_names(first) == ["B", "D"]
    assert last_names(second) == ["E", "F"]


@pytest.mark.parametrize("argument", ["first", "last"])
async def test_page_size_over_limit_is_error(gql: GraphQLClient, demo: Any, argument: str) -> None:
    errors = await gql.errors(CONTACTS, {argument: 101}, token=demo.admin)

    assert errors[0]["extensions"]["code"] == "INVALID_PAGINATION"
    assert "100" in errors[0]["message"]


async def test_garbage_cursor_is_error(gql: GraphQLClient, demo: Any) -> None:
    errors = await gql.errors(CONTACTS, {"after": "not-a-cursor"}, token=demo.admin)

    assert errors[0]["extensions"]["code"] == "INVALID_PAGINATION"


async def test_filter_without_email(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    await factory.contact(demo.tenant, last_name="Valid")
    await factory.contact(demo.tenant, last_name="Missing", email=None)
    await factory.contact(demo.tenant, last_name="Broken", email="info(at)firma.de")

    without = await gql.execute(CONTACTS, {"filter": {"hasEmail": False}}, token=demo.admin)
    with_email = await gql.execute(CONTACTS, {"filter": {"hasEmail": True}}, token=demo.admin)

    assert last_names(without) == ["Broken", "Missing"]
    assert last_names(with_email) == ["Valid"]


async def test_filter_search_matches_words(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    await factory.contact(
        demo.tenant, first_name="Jana", last_name="Krüger", company="Elektro Krüger GmbH"
    )
    await factory.contact(demo.tenant, first_name="Jan", last_name="Schmidt", external_id="K00042")
    await factory.contact(demo.tenant, first_name="Paul", last_name="Elektra")

    by_company = await gql.execute(
        CONTACTS, {"filter": {"search": "elektro gmbh"}}, token=demo.admin
    )
    by_number = await gql.execute(CONTACTS, {"filter": {"search": "k00042"}}, token=demo.admin)
    wildcard = await gql.execute(CONTACTS, {"filter": {"search": "%"}}, token=demo.admin)

    assert last_names(by_company) == ["Krüger"]
    assert last_names(by_number) == ["Schmidt"]
    assert last_names(wildcard) == []


async def test_filter_by_category_and_status(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    invited = await factory.contact(demo.tenant, last_name="Invited", category="HANDWERKER")
    await factory.code(invited)
    expired = await factory.contact(demo.tenant, last_name="Expired", category="HANDWERKER")
    await factory.code(expired, expires_in=timedelta(days=-1))
    await factory.contact(demo.tenant, last_name="Invitable", category="REINIGUNG")
    await factory.contact(demo.tenant, last_name="Plain")

    handwerker = await gql.execute(
        CONTACTS, {"filter": {"category": "HANDWERKER"}}, token=demo.admin
    )
    statuses = {}
    for status in ("INVITED", "EXPIRED", "INVITABLE", "NO_CATEGORY"):
        data = await gql.execute(CONTACTS, {"filter": {"relayStatus": status}}, token=demo.admin)
        statuses[status] = last_names(data)

    assert last_names(handwerker) == ["Expired", "Invited"]
    assert statuses == {
        "INVITED": ["Invited"],
        "EXPIRED": ["Expired"],
        "INVITABLE": ["Invitable"],
        "NO_CATEGORY": ["Plain"],
    }


async def test_filter_by_type_and_property(gql: GraphQLClient, demo: Any, factory: Factory) -> None:
    electrician = await factory.provider_type(demo.tenant, "Elektriker")
    gardener = await factory.provider_type(demo.tenant, "Gartenpflege")
    north = await factory.property(demo.tenant, name="WEG Nord")
    south = await factory.property(demo.tenant, name="WEG Süd")
    anna = await factory.contact(demo.tenant, last_name="Anna")
    bernd = await factory.contact(demo.tenant, last_name="Bernd")
    await factory.assign(anna, north, electrician)
    await factory.assign(bernd, south, gardener)
    await factory.assign(bernd, north, gardener)

    by_type = await gql.execute(
        CONTACTS,
        {"filter": {"providerTypeId": to_global_id("ProviderType", electrician.id)}},
        token=demo.admin,
    )
    by_property = await gql.execute(
        CONTACTS, {"filter": {"propertyId": to_global_id("Property", north.id)}}, token=demo.admin
    )
    both = await gql.execute(
        CONTACTS,
        {
            "filter": {
                "propertyId": to_global_id("Property", south.id),
                "providerTypeId": to_global_id("ProviderType", gardener.id),
            }
        },
        token=demo.admin,
    )

    assert last_names(by_type) == ["Anna"]
    assert last_names(by_property) == ["Anna", "Bernd"]
    assert last_names(both) == ["Bernd"]


async def test_filter_with_contact_id_as_type_is_error(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    contact = await factory.contact(demo.tenant)

    errors = await gql.errors(
        CONTACTS,
        {"filter": {"providerTypeId": to_global_id("Contact", contact.id)}},
        token=demo.admin,
    )

    assert errors[0]["extensions"]["code"] == "INVALID_ID"


async def test_contacts_exclude_other_tenant_and_archived(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory
) -> None:
    await factory.contact(demo.tenant, last_name="Mine")
    await factory.contact(other.tenant, last_name="Theirs")
    from datetime import UTC, datetime

    await factory.contact(demo.tenant, last_name="Archived", archived_at=datetime.now(UTC))

    data = await gql.execute(CONTACTS, token=demo.admin)

    assert last_names(data) == ["Mine"]


async def test_contacts_of_empty_tenant(gql: GraphQLClient, demo: Any) -> None:
    data = await gql.execute(CONTACTS, token=demo.admin)

    assert data["contacts"]["edges"] == []
    assert data["contacts"]["totalCount"] == 0
    assert data["contacts"]["pageInfo"]["endCursor"] is None


@pytest.mark.parametrize(
    ("module", "cache", "node_fields"),
    [
        # Plain columns: the database builds the JSON (repositories/contact_json.py).
        (contact_json, "_statements", "id lastName"),
        # The relay section needs read models (repositories/contact_reads.py).
        (contact_reads, "_page_statements", "id lastName relay { status }"),
    ],
    ids=["json", "read_models"],
)
async def test_page_statement_reused_per_shape(
    gql: GraphQLClient,
    demo: Any,
    factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    cache: str,
    node_fields: str,
) -> None:
    """Requests of one shape share a cached select and still get their own rows."""
    cached: dict[Any, Any] = {}
    monkeypatch.setattr(module, cache, cached)
    await make_named(factory, demo.tenant, ["Albrecht", "Weber"])
    document = CONTACTS.replace("id lastName", node_fields)

    first = await gql.execute(document, {"filter": {"search": "Albrecht"}}, token=demo.admin)
    second = await gql.execute(document, {"filter": {"search": "Weber"}}, token=demo.admin)

    assert last_names(first) == ["Albrecht"]
    assert last_names(second) == ["Weber"]
    assert len(cached) == 1


SEARCHES = {
    "contacts": "query($s: String) { contacts(filter: {search: $s}) { totalCount } }",
    "properties": "query($s: String) { properties(search: $s) { totalCount } }",
}


@pytest.mark.parametrize(
    ("listing", "text"),
    [
        ("contacts", "ab " * 11),
        ("contacts", "x" * 201),
        ("properties", "y" * 201),
    ],
)
async def test_search_over_limit_is_error(
    gql: GraphQLClient, demo: Any, listing: str, text: str
) -> None:
    errors = await gql.errors(SEARCHES[listing], {"s": text}, token=demo.admin)

    assert errors[0]["extensions"]["code"] == "SEARCH_TOO_LONG"
    assert "höchstens 200 Zeichen und 10 Wörter" in errors[0]["message"]


@pytest.mark.parametrize("listing", ["contacts", "properties"])
@pytest.mark.parametrize("text", ["a\u0000b", "Müller\u202e", "a\u0085b"])
async def test_search_with_control_character_is_error(
    gql: GraphQLClient, demo: Any, listing: str, text: str
) -> None:
    """PostgreSQL rejects NUL in a query, and no stored value contains a control character."""
    errors = await gql.errors(SEARCHES[listing], {"s": text}, token=demo.admin)

    assert errors[0]["extensions"]["code"] == "SEARCH_INVALID_CHARACTER"
    assert "das Steuerzeichen U+" in errors[0]["message"]


async def test_search_words_may_be_separated_by_tabs(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    await factory.contact(demo.tenant, first_name="Anna", last_name="Albrecht")

    data = await gql.execute(SEARCHES["contacts"], {"s": "anna\talbrecht"}, token=demo.admin)

    assert data["contacts"]["totalCount"] == 1


async def test_search_at_limit_runs(gql: GraphQLClient, demo: Any) -> None:
    text = " ".join(["Albrecht"] * 10)

    data = await gql.execute(SEARCHES["contacts"], {"s": text}, token=demo.admin)

    assert data["contacts"]["totalCount"] == 0


async def test_category_outside_catalogue_lists_as_null(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    """A value that only other SQL clients could write never reaches the enum's clients."""
    await factory.contact(demo.tenant, last_name="Fremd", category="KLEMPNEREI")
    await factory.contact(demo.tenant, last_name="Recht", category="HANDWERKER")

    data = await gql.execute(
        "{ contacts { nodes { lastName category } } }", token=demo.admin
    )

    assert data["contacts"]["nodes"] == [
        {"lastName": "Fremd", "category": None},
        {"lastName": "Recht", "category": "HANDWERKER"},
    ]
