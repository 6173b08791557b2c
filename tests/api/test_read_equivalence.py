"""The fast read path returns what a plain reference resolution of the same rows returns.

Each case sends one GraphQL document (or a walk through the pages of one connection) and
compares the API's `data` with tests/support/reference.py, which loads the tenant's rows
with the ORM and applies the schema's rules in Python.

String order: SQLite compares bytes, and PostgreSQL uses the database collation. The names
below are chosen so that code point order and a linguistic collation such as en_US agree.
They are capitalised, have umlauts only where the letters before them already differ, and
have no space or punctuation at the first position where two sort keys differ.
`test_dataset_orders_alike_in_database` checks that premise on the engine under test.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import String, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient
from tests.support.reference import ReferenceApi, contact_sort_key, load_tenant_rows

from relay_graph.api.graphql import compiled, json_lists
from relay_graph.api.graphql.compiled import PlanCache, PlanningExecutor
from relay_graph.api.graphql.ids import to_global_id
from relay_graph.db.engine import create_engine, create_session_factory
from relay_graph.db.models import (
    CODE_REDEEMED,
    CODE_REPLACED,
    CODE_REVOKED,
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENT,
    Contact,
    EmailOutbox,
    ProviderCode,
    Tenant,
)

Ids = dict[str, str]
Sessions = async_sessionmaker[AsyncSession]

# -- Dataset ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """One contact to create: its column values, provider code setup and assignments."""

    key: str
    values: dict[str, Any]
    # Provider codes to create, by a setup name of add_codes such as "live" or "revoked".
    codes: str = ""
    # Assignments as (property key, provider type key).
    assigned: tuple[tuple[str, str], ...] = ()
    # Outbox rows for the contact's ACTIVE code: (status, attempts, problem code), oldest first.
    emails: tuple[tuple[str, int, str | None], ...] = ()


def person(
    key: str,
    first: str | None,
    last: str | None,
    company: str | None,
    email: str | None,
    category: str | None,
    external_id: str | None,
    **extra: Any,
) -> Person:
    options = {name: extra.pop(name) for name in ("codes", "assigned", "emails") if name in extra}
    return Person(
        key,
        {
            "first_name": first,
            "last_name": last,
            "company": company,
            "email": email,
            "category": category,
            "external_id": external_id,
            **extra,
        },
        **options,
    )


DAY = timedelta(days=1)
REGISTERED = {"registered_at": datetime(2026, 3, 2, 9, 30, tzinfo=UTC)}
ARCHIVED = {"archived_at": datetime(2026, 2, 1, 12, 0, tzinfo=UTC)}

# fmt: off
# The tables stay one row per record, which reads better than one value per line.
PROPERTY_COLUMNS = ("name", "external_id", "street", "postal_code", "city")
PROPERTIES = {
    key: dict(zip(PROPERTY_COLUMNS, row, strict=True))
    for key, row in {
        "ahorn": ("WEG Ahornweg 3", "O-100", "Ahornweg 3", "01067", "Dresden"),
        "birken": ("WEG Birkenhof", "O-101", "Birkenhof 1-5", "04109", "Leipzig"),
        "linden": ("WEG Lindenstraße 12", "O-102", "Lindenstraße 12", "01069", "Dresden"),
        "seeblick": ("Wohnanlage Seeblick", "O_103", "Am See 4", "14467", "Potsdam"),
        "gewerbe": ("Gewerbepark Nord", None, None, None, None),
        "hof": ("Hofgarten Leipzig", "O-104", "Hofweg 2", "04103", "Leipzig"),
    }.items()
}

PROVIDER_TYPES = {
    "aufzug": ("Aufzugswartung", None),
    "dachdecker": ("Dachdecker", None),
    "elektriker": ("Elektriker", "HANDWERKER"),
    "gaertner": ("Gärtner", "GARTEN_WINTERDIENST"),
    "hausmeister": ("Hausmeister", "HAUSMEISTER"),
    "reinigung": ("Reinigung", "REINIGUNG"),
    "sanitaer": ("Sanitär", "HANDWERKER"),
}

# Every Relay status, both kinds of NO_EMAIL, ties on last name (broken by first name, then
# id), null names and companies, and statuses that depend on the check order.
# Columns: key, first name, last name, company, email, category, ERP number.
PEOPLE = (
    person("albrecht", "Thomas", "Albrecht", None, "thomas.albrecht@beispiel.example",
           "HANDWERKER", "K-1001", salutation="Herr", phone="+49 351 100", city="Dresden"),
    person("bauer", "Lena", "Bauer", "Bauer Sanitär GmbH", "info@bauer-sanitaer.example",
           "HANDWERKER", "K-1002", codes="live", emails=((OUTBOX_PENDING, 0, None),),
           assigned=(("ahorn", "sanitaer"), ("birken", "sanitaer"))),
    person("becker", "Paul", "Becker", None, None, "HANDWERKER", "K-1003"),
    person("braun", "Sabine", "Braun", None, "sabine.braun@web", "REINIGUNG", "K-1004",
           salutation="Frau", postal_code="01067"),
    person("dachtechnik", None, None, "Dachtechnik Nord GmbH", "kontakt@dachtechnik.example",
           None, "K-1005",
           assigned=(("ahorn", "dachdecker"), ("linden", "aufzug"), ("linden", "dachdecker"))),
    person("dietrich", "Jörg", "Dietrich", None, "joerg.dietrich@beispiel.example",
           "HAUSMEISTER", "K-1006", codes="expired", assigned=(("birken", "hausmeister"),),
           emails=((OUTBOX_FAILED, 5, "SERVER_UNREACHABLE"),)),
    person("elektro", "Kai", None, "Elektro Blitz GmbH", "service@elektro-blitz.example",
           "HANDWERKER", "K-1007", codes="redeemed", assigned=(("linden", "elektriker"),),
           **REGISTERED),
    person("fischer_anna", "Anna", "Fischer", None, "anna.fischer@beispiel.example", "SONSTIGE",
           "K-1008", codes="replaced_then_live",
           emails=((OUTBOX_FAILED, 1, "RECIPIENT_REJECTED"), (OUTBOX_SENT, 1, None)),
           assigned=(("seeblick", "gaertner"),)),
    person("fischer_anna_2", "Anna", "Fischer", None, "a.fischer@firma.example", "SONSTIGE",
           "K-1009", codes="revoked"),
    person("fischer", None, "Fischer", None, "fischer@beispiel.example", None, None),
    person("hartmann", "Ida", "Hartmann", None, "ida.hartmann@beispiel.example", "HANDWERKER",
           "K-1030"),
    person("hoffmann", "Gerd", "Hoffmann", None, "gerd.hoffmann(at)firma.example", "HANDWERKER",
           "K-1010", codes="live", assigned=(("ahorn", "elektriker"),)),
    person("jung", "Max", "Jung", None, "max.jung@beispiel.example", "MESSDIENST", "K-1031",
           codes="expired"),
    person("kaiser", "Ute", "Kaiser", None, None, "REINIGUNG", "K-1011", codes="expired"),
    person("keller", "Rolf", "Keller", None, "rolf.keller@beispiel.example", None, "K-1032"),
    person("koehler", "Maria", "Köhler", "Hausmeisterservice Köhler",
           "maria@koehler-service.example", "HAUSMEISTER", "K-1012",
           assigned=(("birken", "hausmeister"), ("seeblick", "hausmeister"))),
    person("lange", "Tim", "Lange", None, None, "HANDWERKER", "K-1013", codes="redeemed",
           **REGISTERED),
    person("meyer", "Petra", "Meyer", "Gartenbau Grün & Co", "petra.meyer@gartenbau.example",
           "GARTEN_WINTERDIENST", "K-1014", assigned=(("seeblick", "gaertner"),)),
    person("mueller_hans", "Hans", "Müller", "Müller & Söhne Elektro",
           "hans.müller@elektro.example", "HANDWERKER", "K-1015", codes="live",
           emails=((OUTBOX_PENDING, 2, "CONNECTION_LOST"),),
           assigned=(("ahorn", "elektriker"), ("gewerbe", "elektriker"))),
    person("mueller_bernd", "Bernd", "Müller", "Müller & Söhne Elektro",
           "bernd@mueller-soehne.example", "HANDWERKER", "K-1016"),
    person("mueller", None, "Müller", None, None, None, "K-1017",
           assigned=(("gewerbe", "elektriker"),)),
    person("neumann", "Eva", "Neumann", None, "eva.neumann@beispiel.example", "REINIGUNG",
           "K-1018", codes="expired"),
    person("hausdienst", None, None, None, "info@hausdienst.example", "SONSTIGE", "K-1019"),
    person("nameless", None, None, None, None, None, None),
    person("sauber", None, None, "100% Sauber GmbH", "info_bau@beispiel.example", "REINIGUNG",
           "K-1023_B", codes="live"),
    person("schmidt_anna", "Anna", "Schmidt", None, "anna.schmidt@beispiel.example",
           "HANDWERKER", "K-1020"),
    person("schmidt_anna_2", "Anna", "Schmidt", "Schmidt Bau GmbH", "anna@schmidt-bau.example",
           "HANDWERKER", "K-1021", codes="live", assigned=(("birken", "elektriker"),)),
    person("schmidt_bernd", "Bernd", "Schmidt", None, "bernd.schmidt@beispiel.example",
           "HAUSMEISTER", "K-1022", codes="expired"),
    person("schmidt", None, "Schmidt", None, "schmidt@beispiel.example", None, "K-1024",
           assigned=(("hof", "dachdecker"),)),
    person("schmidt_zoe", "Zoe", "Schmidt", None, "zoe.schmidt", "HANDWERKER", "K-1025"),
    person("vogel", "Nina", "Vogel", None, "nina.vogel@beispiel.example", "FACILITY_MANAGEMENT",
           "K-1033", codes="replaced_then_expired"),
    person("wagner", "Ina", "Wagner", "Reinigung Weiß KG", "ina.wagner@weiss-kg.example",
           "REINIGUNG", "K-1026", assigned=(("ahorn", "aufzug"),)),
    person("weber", "Olaf", "Weber", None, "olaf.weber@beispiel.example", None, "K-1027"),
    person("weiss", "Jana", "Weiß", None, "jana.weiss@beispiel.example", "GARTEN_WINTERDIENST",
           "K-1028", codes="live", emails=((OUTBOX_PENDING, 1, "SOME_FUTURE_PROBLEM"),)),
    person("zoellner", "Uwe", "Zöllner", None, "uwe.zoellner@beispiel.example", "HANDWERKER",
           "K-1029", codes="redeemed", **REGISTERED),
    # Archived contacts must not show up anywhere, nor count as holders of a type.
    person("adler", "Ralf", "Adler", None, "ralf.adler@beispiel.example", "HANDWERKER",
           "K-1034", codes="live", assigned=(("ahorn", "reinigung"), ("ahorn", "elektriker")),
           **ARCHIVED),
    person("schmidt_archived", "Anna", "Schmidt", None, "anna.s@beispiel.example",
           "HANDWERKER", "K-1035", **ARCHIVED),
)

# The second tenant reuses names, numbers and words of the first, so a leak would match.
OTHER_PEOPLE = (
    person("abel", "Anna", "Abel", None, "anna.abel@beispiel.example", "HANDWERKER", "K-1001",
           codes="live", assigned=(("ahorn", "elektriker"),)),
    person("schmidt_anna", "Anna", "Schmidt", "Schmidt Bau GmbH", "anna.schmidt@beispiel.example",
           "HANDWERKER", "K-1020", codes="expired", assigned=(("ahorn", "elektriker"),)),
    person("mueller_hans", "Hans", "Müller", None, None, "HANDWERKER", "K-1015"),
    person("fischer", None, "Fischer", None, "fischer@beispiel.example", None, "K-1040",
           assigned=(("ahorn", "dachdecker"),)),
    person("zander", "Ute", "Zander", None, "ute.zander@beispiel.example", "REINIGUNG",
           "K-1041", codes="redeemed", **REGISTERED),
)
# fmt: on
OTHER_PROPERTIES = {"ahorn": PROPERTIES["ahorn"]}
OTHER_PROVIDER_TYPES = {key: PROVIDER_TYPES[key] for key in ("dachdecker", "elektriker")}


async def add_codes(
    factory: Factory, sessions: Sessions, contact: Contact, setup: str
) -> ProviderCode | None:
    """Create the provider codes of a setup and return the contact's ACTIVE code, if any."""
    if not setup:
        return None
    if setup == "live":
        return await factory.code(contact, expires_in=14 * DAY)
    if setup == "expired":
        return await factory.code(contact, expires_in=-2 * DAY)
    if setup == "redeemed":
        await factory.code(contact, expires_in=5 * DAY, state=CODE_REDEEMED)
        return None
    if setup == "revoked":
        await factory.code(contact, expires_in=9 * DAY, state=CODE_REVOKED)
        return None
    if setup == "replaced_then_live":
        old = await factory.code(contact, expires_in=-20 * DAY, state=CODE_REPLACED)
        await add_emails(sessions, old, ((OUTBOX_SENT, 1, None),))
        return await factory.code(contact, expires_in=10 * DAY)
    if setup == "replaced_then_expired":
        await factory.code(contact, expires_in=-30 * DAY, state=CODE_REPLACED)
        return await factory.code(contact, expires_in=-1 * DAY)
    raise ValueError(f"unknown code setup {setup!r}")


async def add_emails(
    sessions: Sessions, code: ProviderCode, emails: tuple[tuple[str, int, str | None], ...]
) -> None:
    queued_at = code.created_at
    async with sessions() as session:
        for number, (status, attempts, problem) in enumerate(emails):
            queued_at += timedelta(minutes=number + 1)
            session.add(
                EmailOutbox(
                    tenant_id=code.tenant_id,
                    contact_id=code.contact_id,
                    provider_code_id=code.id,
                    kind="INVITATION",
                    recipient="empfaenger@beispiel.example",
                    language="de",
                    subject="Einladung zu Relay",
                    body_text="Text",
                    body_html="<p>Text</p>",
                    message_id=f"<{code.id}.{number}@relay-graph.test>",
                    status=status,
                    attempts=attempts,
                    next_attempt_at=queued_at + timedelta(minutes=10),
                    last_error=f"{problem} detail" if problem else None,
                    last_error_code=problem,
                    created_at=queued_at,
                    sent_at=queued_at + timedelta(seconds=3) if status == OUTBOX_SENT else None,
                )
            )
        await session.commit()


async def build_tenant(
    factory: Factory,
    sessions: Sessions,
    tenant: Tenant,
    prefix: str,
    people: tuple[Person, ...],
    properties: dict[str, dict[str, Any]],
    provider_types: dict[str, tuple[str, str | None]],
) -> Ids:
    ids: Ids = {}
    stored_properties = {}
    for key, columns in properties.items():
        stored_properties[key] = await factory.property(tenant, **columns)
        ids[f"{prefix}property:{key}"] = to_global_id("Property", stored_properties[key].id)
    stored_types = {}
    for key, (name, category) in provider_types.items():
        stored_types[key] = await factory.provider_type(tenant, name, category)
        ids[f"{prefix}type:{key}"] = to_global_id("ProviderType", stored_types[key].id)

    for entry in people:
        contact = await factory.contact(tenant, **entry.values)
        ids[f"{prefix}contact:{entry.key}"] = to_global_id("Contact", contact.id)
        active = await add_codes(factory, sessions, contact, entry.codes)
        if entry.emails:
            assert active is not None, f"{entry.key}: emails need an ACTIVE code"
            await add_emails(sessions, active, entry.emails)
        for property_key, type_key in entry.assigned:
            await factory.assign(contact, stored_properties[property_key], stored_types[type_key])
    return ids


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(database_url)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def ids(demo: Any, other: Any, factory: Factory, sessions: Sessions) -> Ids:
    """Build both tenants' data and return the global ID of every object by its key."""
    mine = await build_tenant(
        factory, sessions, demo.tenant, "", PEOPLE, PROPERTIES, PROVIDER_TYPES
    )
    theirs = await build_tenant(
        factory,
        sessions,
        other.tenant,
        "other:",
        OTHER_PEOPLE,
        OTHER_PROPERTIES,
        OTHER_PROVIDER_TYPES,
    )
    return {**mine, **theirs}


# -- Documents ----------------------------------------------------------------------------

FRAGMENTS = {
    "ContactFields": """
fragment ContactFields on Contact {
  id externalId salutation firstName lastName company email emailValid phone street
  postalCode city category relayStatus displayName
}""",
    "RelayFields": """
fragment RelayFields on Contact {
  relay {
    status code invitedAt expiresAt registeredAt
    delivery { state attempts queuedAt sentAt nextAttemptAt problem }
  }
}""",
    "AssignmentFields": """
fragment AssignmentFields on Contact {
  assignments {
    property { id externalId name street postalCode city }
    providerType { id name category contactCount }
  }
}""",
    "ListFields": """
fragment ListFields on Contact {
  __typename id externalId salutation firstName lastName company email emailValid phone
  street postalCode city category relayStatus displayName
  assignments {
    __typename
    property { __typename id externalId name street postalCode city }
    providerType { __typename id name category }
  }
}""",
    "PageFields": """
fragment PageFields on PageInfo { hasNextPage hasPreviousPage startCursor endCursor }""",
    "ContactEdgeFields": """
fragment ContactEdgeFields on ContactEdge { cursor node { id lastName ...AssignmentFields } }""",
    "NodeFields": """
fragment NodeFields on Node {
  __typename id
  ...ContactFields
  ...RelayFields
  ...AssignmentFields
  ... on Property { externalId name street postalCode city }
  ... on ProviderType { name category contactCount }
}""",
}


def with_fragments(operation: str) -> str:
    """Append the fragments that the operation spreads, directly or through other fragments."""
    document = operation
    added = True
    while added:
        added = False
        for name, text in FRAGMENTS.items():
            if f"...{name}" in document and f"fragment {name} " not in document:
                document += text
                added = True
    return document


CONTACT_PAGE = with_fragments("""
query ContactPage($filter: ContactFilter, $orderBy: ContactOrder, $first: Int, $after: String,
                  $last: Int, $before: String) {
  contacts(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last,
           before: $before) {
    totalCount
    pageInfo { ...PageFields }
    edges { cursor node { ...ContactFields ...RelayFields ...AssignmentFields } }
  }
}""")

# Only fields whose JSON the database builds (api/graphql/json_lists.py).
LIST_PAGE = with_fragments("""
query ListPage($filter: ContactFilter, $orderBy: ContactOrder, $first: Int, $after: String,
               $last: Int, $before: String) {
  contacts(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last,
           before: $before) {
    __typename
    totalCount
    pageInfo { ...PageFields __typename }
    edges { __typename cursor node { ...ListFields } }
    nodes { id name: displayName }
  }
}""")

PROPERTY_PAGE = with_fragments("""
query PropertyPage($search: String, $first: Int, $after: String, $last: Int, $before: String) {
  properties(search: $search, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { ...PageFields }
    edges { cursor node { id externalId name street postalCode city } }
    nodes { id }
  }
}""")

PROVIDER_TYPE_PAGE = with_fragments("""
query ProviderTypePage($categoryLinked: Boolean, $first: Int, $after: String, $last: Int,
                       $before: String) {
  providerTypes(categoryLinked: $categoryLinked, first: $first, after: $after, last: $last,
                before: $before) {
    totalCount
    pageInfo { ...PageFields }
    edges { cursor node { id name category contactCount } }
  }
}""")

ELIGIBLE_PAGE = with_fragments("""
query Eligible($first: Int, $after: String, $last: Int, $before: String) {
  relaySettings {
    invitePreview {
      eligibleCount
      eligible(first: $first, after: $after, last: $last, before: $before) {
        totalCount
        pageInfo { ...PageFields }
        edges { cursor node { ...ContactFields ...RelayFields ...AssignmentFields } }
      }
    }
  }
}""")

NOT_INVITABLE_PAGE = with_fragments("""
query NotInvitable($reason: InviteSkipReason, $first: Int, $after: String, $last: Int,
                   $before: String) {
  relaySettings {
    invitePreview {
      notInvitable(reason: $reason, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        pageInfo { ...PageFields }
        edges {
          cursor
          node {
            reason
            contact { ...ContactFields ...RelayFields ...AssignmentFields }
            uncategorisedProviderTypes { id name category contactCount }
          }
        }
      }
    }
  }
}""")


@dataclass(frozen=True)
class Walk:
    """Follow the cursors of one connection, forward by `after` or backward by `before`."""

    path: tuple[str, ...]
    backward: bool = False


@dataclass(frozen=True)
class Case:
    """One document, sent once or, with `walk`, once per page of one connection."""

    name: str
    document: str
    variables: Callable[[Ids], dict[str, Any]] = field(default=lambda _ids: {})
    viewer: bool = False
    walk: Walk | None = None


def fixed(variables: dict[str, Any]) -> Callable[[Ids], dict[str, Any]]:
    return lambda _ids: variables


def contact_walk(name: str, size: int, backward: bool, **variables: Any) -> Case:
    page_size = {"last": size} if backward else {"first": size}
    return Case(
        name,
        CONTACT_PAGE,
        fixed({**variables, **page_size}),
        walk=Walk(("contacts",), backward=backward),
    )


def filtered(name: str, contact_filter: Callable[[Ids], dict[str, Any]], **variables: Any) -> Case:
    return Case(name, CONTACT_PAGE, lambda ids: {"filter": contact_filter(ids), **variables})


def search(name: str, text: str) -> Case:
    return filtered(f"search_{name}", lambda _ids: {"search": text})


ORDER_WALKS = [
    contact_walk(
        f"order_{field_name.lower()}_{direction.lower()}_{'backward' if backward else 'forward'}",
        7,
        backward,
        orderBy={"field": field_name, "direction": direction},
    )
    for field_name in ("NAME", "COMPANY", "EXTERNAL_ID")
    for direction in ("ASC", "DESC")
    for backward in (False, True)
]

SHAPE_CASES = [
    Case("contacts_every_field_default_page", CONTACT_PAGE),
    Case("contacts_every_field_as_viewer", CONTACT_PAGE, viewer=True),
    Case("contacts_first_zero", CONTACT_PAGE, fixed({"first": 0})),
    Case("contacts_last_zero", CONTACT_PAGE, fixed({"last": 0})),
    Case(
        "contacts_assignments_in_inline_fragment",
        """
        query { contacts(first: 12) {
          nodes { id ... on Contact { displayName assignments {
            property { name } providerType { name contactCount } } } }
        } }""",
    ),
    Case(
        "contacts_assignments_in_nested_named_fragment",
        with_fragments("""
        query { contacts(first: 12, orderBy: {field: COMPANY}) {
          edges { ...ContactEdgeFields }
        } }"""),
    ),
    Case(
        "contacts_same_connection_twice_with_aliases",
        with_fragments("""
        query {
          byName: contacts(first: 5) { totalCount nodes { id lastName firstName } }
          byCompany: contacts(last: 5, orderBy: {field: COMPANY, direction: DESC},
                              filter: {hasEmail: true}) {
            totalCount
            pageInfo { ...PageFields }
            edges { cursor node { id company ...AssignmentFields } }
          }
        }"""),
    ),
    Case(
        "contacts_merged_fields_under_one_key",
        """
        query {
          contacts(first: 9) { nodes { id } }
          contacts(first: 9) { nodes { assignments { property { name } } } totalCount }
        }""",
    ),
    Case(
        "contacts_total_count_only",
        "query($filter: ContactFilter) { contacts(filter: $filter) { totalCount } }",
        fixed({"filter": {"hasEmail": False}}),
    ),
    Case(
        "contacts_every_status_by_alias",
        """
        query {
          noCategory: contacts(filter: {relayStatus: NO_CATEGORY}) { ...Listed }
          noEmail: contacts(filter: {relayStatus: NO_EMAIL}) { ...Listed }
          invitable: contacts(filter: {relayStatus: INVITABLE}) { ...Listed }
          invited: contacts(filter: {relayStatus: INVITED}) { ...Listed }
          expired: contacts(filter: {relayStatus: EXPIRED}) { ...Listed }
          registered: contacts(filter: {relayStatus: REGISTERED}) { ...Listed }
        }
        fragment Listed on ContactConnection {
          totalCount
          nodes { id displayName email relayStatus relay { status code invitedAt expiresAt } }
        }""",
    ),
]

FILTER_CASES = [
    search("one_word", "schmidt"),
    search("every_word_must_match", "anna SCHMIDT"),
    search("company_word", "GmbH"),
    search("email_domain_and_name", "beispiel.example fischer"),
    search("external_id", "k-102"),
    search("percent_is_literal", "%"),
    search("underscore_is_literal", "_b"),
    search("umlaut_in_same_case", "üll"),
    search("sharp_s", "weiß"),
    search("no_match", "Zeppelin"),
    search("blank", "   "),
    filtered("category", lambda _ids: {"category": "HANDWERKER"}),
    filtered("category_without_contacts", lambda _ids: {"category": "MESSDIENST"}),
    filtered("has_email_true", lambda _ids: {"hasEmail": True}),
    filtered("has_email_false", lambda _ids: {"hasEmail": False}),
    filtered("provider_type", lambda ids: {"providerTypeId": ids["type:elektriker"]}),
    filtered(
        "provider_type_of_archived_only", lambda ids: {"providerTypeId": ids["type:reinigung"]}
    ),
    filtered(
        "provider_type_of_other_tenant",
        lambda ids: {"providerTypeId": ids["other:type:elektriker"]},
    ),
    filtered("property", lambda ids: {"propertyId": ids["property:ahorn"]}),
    filtered("property_of_other_tenant", lambda ids: {"propertyId": ids["other:property:ahorn"]}),
    filtered(
        "provider_type_and_property",
        lambda ids: {"providerTypeId": ids["type:elektriker"], "propertyId": ids["property:ahorn"]},
    ),
    filtered(
        "category_and_missing_email", lambda _ids: {"category": "HANDWERKER", "hasEmail": False}
    ),
    filtered("search_and_status", lambda _ids: {"search": "schmidt", "relayStatus": "INVITED"}),
    filtered(
        "category_status_search_by_company_desc",
        lambda _ids: {"category": "HANDWERKER", "relayStatus": "INVITABLE", "search": "e"},
        orderBy={"field": "COMPANY", "direction": "DESC"},
    ),
    filtered(
        "status_and_property_by_external_id",
        lambda ids: {"relayStatus": "NO_CATEGORY", "propertyId": ids["property:gewerbe"]},
        orderBy={"field": "EXTERNAL_ID"},
    ),
]

WALK_CASES = [
    *ORDER_WALKS,
    contact_walk("walk_valid_email_forward", 4, False, filter={"hasEmail": True}),
    contact_walk("walk_search_backward", 3, True, filter={"search": "e"}),
    contact_walk(
        "walk_invited_by_company_forward",
        2,
        False,
        filter={"relayStatus": "INVITED"},
        orderBy={"field": "COMPANY"},
    ),
    replace(contact_walk("walk_as_viewer_forward", 9, False), viewer=True),
    Case("properties_walk_forward", PROPERTY_PAGE, fixed({"first": 2}), walk=Walk(("properties",))),
    Case(
        "properties_walk_backward",
        PROPERTY_PAGE,
        fixed({"last": 2}),
        walk=Walk(("properties",), backward=True),
    ),
    Case(
        "provider_types_walk_forward",
        PROVIDER_TYPE_PAGE,
        fixed({"first": 2}),
        walk=Walk(("providerTypes",)),
    ),
    Case(
        "provider_types_walk_backward",
        PROVIDER_TYPE_PAGE,
        fixed({"last": 3}),
        walk=Walk(("providerTypes",), backward=True),
    ),
    Case(
        "eligible_walk_forward",
        ELIGIBLE_PAGE,
        fixed({"first": 2}),
        walk=Walk(("relaySettings", "invitePreview", "eligible")),
    ),
    Case(
        "not_invitable_walk_backward",
        NOT_INVITABLE_PAGE,
        fixed({"last": 2}),
        walk=Walk(("relaySettings", "invitePreview", "notInvitable"), backward=True),
    ),
]

LOOKUP_CASES = [
    Case(
        "node_of_each_type",
        with_fragments("""
        query($contact: ID!, $property: ID!, $type: ID!) {
          contact: node(id: $contact) { ...NodeFields }
          property: node(id: $property) { ...NodeFields }
          type: node(id: $type) { ...NodeFields }
        }"""),
        lambda ids: {
            "contact": ids["contact:mueller_hans"],
            "property": ids["property:gewerbe"],
            "type": ids["type:aufzug"],
        },
    ),
    Case(
        "node_of_archived_other_tenant_and_garbage",
        with_fragments("""
        query($archived: ID!, $theirs: ID!, $theirType: ID!) {
          archived: node(id: $archived) { ...NodeFields }
          theirs: node(id: $theirs) { ...NodeFields }
          theirType: node(id: $theirType) { ...NodeFields }
          garbage: node(id: "%%%") { id }
          unknown: node(id: "Q29udGFjdDo5OTk5OTk5") { id }
        }"""),
        lambda ids: {
            "archived": ids["contact:adler"],
            "theirs": ids["other:contact:schmidt_anna"],
            "theirType": ids["other:type:elektriker"],
        },
    ),
    Case(
        "nodes_of_every_status",
        with_fragments("query($ids: [ID!]!) { nodes(ids: $ids) { ...NodeFields } }"),
        lambda ids: {
            "ids": [
                ids[f"contact:{key}"]
                for key in (
                    "nameless",
                    "dachtechnik",
                    "mueller",
                    "becker",
                    "braun",
                    "kaiser",
                    "albrecht",
                    "fischer_anna_2",
                    "bauer",
                    "fischer_anna",
                    "hoffmann",
                    "dietrich",
                    "vogel",
                    "elektro",
                    "lange",
                    "zoellner",
                )
            ]
        },
    ),
    Case(
        "nodes_mixed_types_with_nulls",
        with_fragments("query($ids: [ID!]!) { nodes(ids: $ids) { ...NodeFields } }"),
        lambda ids: {
            "ids": [
                ids["type:elektriker"],
                ids["contact:koehler"],
                ids["other:contact:abel"],
                ids["property:linden"],
                ids["contact:schmidt_archived"],
                "not-an-id",
                ids["contact:koehler"],
                ids["other:property:ahorn"],
                ids["type:reinigung"],
            ]
        },
    ),
    Case(
        "nodes_as_viewer",
        with_fragments("query($ids: [ID!]!) { nodes(ids: $ids) { ...NodeFields } }"),
        lambda ids: {
            "ids": [ids[f"contact:{key}"] for key in ("bauer", "dietrich", "weiss", "elektro")]
        },
        viewer=True,
    ),
    Case(
        "contact_with_and_without_assignments",
        with_fragments("""
        query($with: ID!, $without: ID!, $archived: ID!, $theirs: ID!) {
          with: contact(id: $with) { ...ContactFields ...RelayFields ...AssignmentFields }
          without: contact(id: $without) { ...ContactFields ...RelayFields ...AssignmentFields }
          archived: contact(id: $archived) { id }
          theirs: contact(id: $theirs) { id }
        }"""),
        lambda ids: {
            "with": ids["contact:dachtechnik"],
            "without": ids["contact:schmidt_zoe"],
            "archived": ids["contact:schmidt_archived"],
            "theirs": ids["other:contact:mueller_hans"],
        },
    ),
]

CATALOG_CASES = [
    Case("properties_default_page", PROPERTY_PAGE),
    Case(
        "properties_search_variants",
        """
        query {
          city: properties(search: "leipzig") { totalCount nodes { name } }
          sharpS: properties(search: "straße") { totalCount nodes { name } }
          number: properties(search: "o-10") { totalCount nodes { name externalId } }
          underscore: properties(search: "_") { totalCount nodes { name } }
          percent: properties(search: "%") { totalCount nodes { name } }
          blank: properties(search: "  ") { totalCount nodes { name } }
          padded: properties(search: "  weg ") { totalCount nodes { name } }
        }""",
    ),
    Case("provider_types_default_page", PROVIDER_TYPE_PAGE),
    Case(
        "provider_types_linked_and_unlinked",
        """
        query {
          linked: providerTypes(categoryLinked: true) { totalCount nodes { name category } }
          unlinked: providerTypes(categoryLinked: false) { totalCount nodes { name contactCount } }
        }""",
    ),
]

INVITE_CASES = [
    Case(
        "invite_preview_counts_and_lists",
        with_fragments("""
        query {
          relaySettings {
            statusCounts { status count }
            invitePreview {
              eligibleCount
              skipped { reason count }
              eligible {
                totalCount
                pageInfo { ...PageFields }
                nodes { id displayName relayStatus }
              }
              notInvitable {
                totalCount
                pageInfo { ...PageFields }
                nodes {
                  reason
                  contact { id displayName relayStatus ...AssignmentFields }
                  uncategorisedProviderTypes { id name category contactCount }
                }
              }
            }
          }
        }"""),
    ),
    Case("eligible_every_field", ELIGIBLE_PAGE),
    Case("eligible_as_viewer", ELIGIBLE_PAGE, viewer=True),
    *(
        Case(f"not_invitable_{reason.lower()}", NOT_INVITABLE_PAGE, fixed({"reason": reason}))
        for reason in ("NO_CATEGORY", "NO_EMAIL", "INVALID_EMAIL", "ALREADY_INVITED", "REGISTERED")
    ),
    Case("not_invitable_as_viewer", NOT_INVITABLE_PAGE, viewer=True),
]

LIST_CASES = [
    # Every filter and walk of the contact list again, with the fields of LIST_PAGE only.
    *(
        replace(case, name=f"list_{case.name}", document=LIST_PAGE)
        for case in (*SHAPE_CASES, *FILTER_CASES, *WALK_CASES)
        if case.document == CONTACT_PAGE
    ),
    Case(
        "list_aliases_fragments_and_directives",
        with_fragments("""
        query($withMail: Boolean!, $noCity: Boolean!) {
          top: contacts(first: 4) {
            count: totalCount
            info: pageInfo { next: hasNextPage end: endCursor }
            people: nodes {
              key: id
              ... on Contact { last: lastName mail: email @include(if: $withMail) }
              ...Place @skip(if: $noCity)
              assignments { where: property { name } what: providerType { name } }
              assignments { where: property { city } }
            }
          }
          rest: contacts(first: 3, after: "WyJCYXVlciIsIiIsMV0") {
            edges { node { lastName } }
            nodes { firstName }
          }
        }
        fragment Place on Contact { city postalCode }"""),
        fixed({"withMail": True, "noCity": False}),
    ),
    Case(
        "list_directives_other_way",
        """
        query($withMail: Boolean!, $noCity: Boolean!) {
          contacts(first: 4) {
            nodes {
              id
              email @include(if: $withMail)
              city @skip(if: $noCity)
              assignments @include(if: $withMail) { property { name } }
            }
          }
        }""",
        fixed({"withMail": False, "noCity": True}),
    ),
    Case(
        "list_typename_only_and_empty_page",
        """
        query {
          contacts(first: 2) { __typename nodes { __typename } }
          none: contacts(first: 0) {
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { cursor node { id } }
            nodes { id }
          }
        }""",
    ),
]

CASES = [
    *SHAPE_CASES,
    *FILTER_CASES,
    *WALK_CASES,
    *LIST_CASES,
    *LOOKUP_CASES,
    *CATALOG_CASES,
    *INVITE_CASES,
]

# A walk must cross at least this many pages, so cursors get followed more than once.
MIN_WALK_PAGES = 3
MAX_WALK_PAGES = 20


def differences(actual: Any, expected: Any, path: str = "data") -> list[str]:
    """List the paths where two JSON values differ, for a readable failure message."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        found = []
        for key in sorted(actual.keys() | expected.keys()):
            found += differences(
                actual.get(key, "<missing>"), expected.get(key, "<missing>"), f"{path}.{key}"
            )
        return found
    if isinstance(actual, list) and isinstance(expected, list) and len(actual) == len(expected):
        return [
            line
            for index, (left, right) in enumerate(zip(actual, expected, strict=True))
            for line in differences(left, right, f"{path}[{index}]")
        ]
    if actual != expected:
        return [f"{path}: API {actual!r}, reference {expected!r}"]
    return []


def connection_at(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for name in path:
        data = data[name]
    return data


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
async def test_read_matches_reference(
    case: Case,
    gql: GraphQLClient,
    demo: Any,
    ids: Ids,
    sessions: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = await load_tenant_rows(sessions, demo.tenant.id)
    token = demo.viewer if case.viewer else demo.admin
    variables = case.variables(ids)

    pages = 0
    while True:
        actual = await gql.execute(case.document, variables, token=token)
        reference = ReferenceApi(rows, datetime.now(UTC), admin=not case.viewer)
        expected = await reference.execute(case.document, variables)
        pages += 1
        assert actual == expected, "\n".join(
            [f"page {pages}, variables {variables}:", *differences(actual, expected)[:20]]
        )
        with monkeypatch.context() as patch:
            # graphql-core's own completion of the same document, without plans.
            patch.setattr(PlanningExecutor, "plans_enabled", False)
            unplanned = await gql.execute(case.document, variables, token=token)
        assert actual == unplanned, "\n".join(
            [f"page {pages}, without plans:", *differences(actual, unplanned)[:20]]
        )
        # Keys come in the order the document selects them, with plans and without.
        assert json.dumps(actual) == json.dumps(unplanned), f"page {pages}: key order differs"

        if case.walk is None:
            break
        page_info = connection_at(expected, case.walk.path)["pageInfo"]
        if case.walk.backward and page_info["hasPreviousPage"]:
            variables = {**variables, "before": page_info["startCursor"]}
        elif not case.walk.backward and page_info["hasNextPage"]:
            variables = {**variables, "after": page_info["endCursor"]}
        else:
            break
        assert pages < MAX_WALK_PAGES, "the walk does not reach the end of the list"

    if case.walk is not None:
        assert pages >= MIN_WALK_PAGES, f"the walk crossed only {pages} pages"


async def test_contact_page_json_built_in_database(
    gql: GraphQLClient, demo: Any, ids: Ids, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SPA's contact list gets its JSON from the database, not field by field."""
    plans = PlanCache()
    monkeypatch.setattr(compiled, "shared_plans", plans)
    list_plans = json_lists._PlanCache()
    monkeypatch.setattr(json_lists, "list_plans", list_plans)
    document = """
      query Contacts { contacts(first: 50) { nodes { id firstName lastName company email
        category relayStatus assignments { property { name } providerType { name } } } } }
    """
    data = await gql.execute(document, token=demo.admin)
    assert len(data["contacts"]["nodes"]) > 1
    assert len(list_plans) == 1
    assert plans.planned_types() == []


async def test_contact_page_with_relay_completes_by_plan(
    gql: GraphQLClient, demo: Any, ids: Ids, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A selection the database cannot build falls back to read models and one plan."""
    plans = PlanCache()
    monkeypatch.setattr(compiled, "shared_plans", plans)
    list_plans = json_lists._PlanCache()
    monkeypatch.setattr(json_lists, "list_plans", list_plans)
    document = """
      query Contacts { contacts(first: 50) { nodes { id lastName relay { status } } } }
    """
    data = await gql.execute(document, token=demo.admin)
    assert len(data["contacts"]["nodes"]) > 1
    assert len(list_plans) == 0
    assert plans.planned_types() == ["ContactConnection!"]


def test_list_document_selects_every_field_built_in_database() -> None:
    """LIST_PAGE covers every field that json_lists.py builds in SQL, so each is compared."""
    for type_name, fields in json_lists._FIELDS.items():
        for field_name in fields:
            pattern = rf"\b{field_name}\b"
            assert re.search(pattern, LIST_PAGE), f"{type_name}.{field_name} is not in LIST_PAGE"


async def test_dataset_orders_alike_in_database(ids: Ids, demo: Any, sessions: Sessions) -> None:
    """The reference sorts by code point, so the database must order each sort column alike."""
    rows = await load_tenant_rows(sessions, demo.tenant.id)
    groups = {
        "property names": {row.name for row in rows.properties},
        "provider type names": {row.name for row in rows.provider_types},
    }
    for field_name in ("NAME", "COMPANY", "EXTERNAL_ID"):
        keys = [contact_sort_key(contact, field_name) for contact in rows.contacts]
        # The last part of each key is the id, which both engines compare as an integer.
        for position in range(len(keys[0]) - 1):
            groups[f"{field_name} key part {position + 1}"] = {str(key[position]) for key in keys}

    async with sessions() as session:
        for group, texts in groups.items():
            # SQLite has no VALUES list in FROM, so the texts come as one SELECT each.
            keys_query = union_all(*(select(literal(text, String).label("text")) for text in texts))
            sorted_keys = keys_query.subquery()
            ordered = await session.scalars(select(sorted_keys.c.text).order_by(sorted_keys.c.text))
            assert list(ordered) == sorted(texts), f"{group} sort differently in the database"
