"""Sweep every field of the schema for tenant isolation and for the viewer role.

The fields come from introspection through the API, so a new query field or mutation is
swept without editing this file:

- every field that takes an ID (directly, as a list, or inside an input object) gets IDs
  of another tenant's objects and must answer exactly as it answers an unknown ID of the
  same type, while the other tenant's rows stay unchanged;
- a viewer token gets FORBIDDEN from every mutation and never sees a provider code.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient
from tests.support.summary import report

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.config import Settings
from relay_graph.db.engine import create_engine
from relay_graph.db.models import Base

logger = logging.getLogger(__name__)

NODE_TYPES = ("Contact", "Property", "ProviderType")
# No object in any tenant has this database id.
MISSING_DATABASE_ID = 987_654_321
CODE_PATTERN = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}")
# invitationEmailPreview shows this in place of a real code; it matches CODE_PATTERN.
CODE_PLACEHOLDER = "XXXXX-XXXXX"
FULL_SELECTION_DEPTH = 5
PAGE_SIZE = 5

# Values for arguments that are not IDs, keyed by the argument's named type.
SCALAR_VALUES: dict[str, Any] = {
    "String": "sweep",
    "Int": 1,
    "Float": 1.5,
    "Boolean": True,
    "DateTime": "2026-01-01T00:00:00+00:00",
}

TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }"
INTROSPECTION = f"""
query SweepIntrospection {{
  __schema {{
    queryType {{ name }}
    mutationType {{ name }}
    types {{
      kind name
      fields {{ name args {{ name defaultValue type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }}
      inputFields {{ name defaultValue type {{ {TYPE_REF} }} }}
      enumValues {{ name }}
      possibleTypes {{ name }}
    }}
  }}
}}
"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The full-selection documents are expensive and the sweep sends many requests.
    return Settings(
        database_url=database_url,
        registration_url="https://relay.example/registrieren",
        max_query_cost=1_000_000,
        rate_limit_per_second=0,
    )


@dataclass(frozen=True)
class Target:
    """A field to call: its path from the root, with the parents' fields before it."""

    root: str
    path: tuple[str, ...]
    field: dict[str, Any]
    slot: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        name = ".".join(self.path)
        return f"{name}({'.'.join(self.slot)})" if self.slot else name

    def with_slots(self, model: SchemaModel) -> list[Target]:
        return [
            Target(self.root, self.path, self.field, slot) for slot in model.id_slots(self.field)
        ]


class SchemaModel:
    """The introspected schema, with the helpers that build documents from it."""

    def __init__(self, introspection: dict[str, Any]) -> None:
        schema = introspection["__schema"]
        self.types = {type_["name"]: type_ for type_ in schema["types"]}
        self.query_root = schema["queryType"]["name"]
        self.mutation_root = (schema["mutationType"] or {}).get("name")

    @staticmethod
    def named(type_ref: dict[str, Any]) -> dict[str, Any]:
        while type_ref.get("ofType"):
            type_ref = type_ref["ofType"]
        return type_ref

    @staticmethod
    def is_list(type_ref: dict[str, Any]) -> bool:
        if type_ref["kind"] == "NON_NULL":
            type_ref = type_ref["ofType"]
        return bool(type_ref["kind"] == "LIST")

    def takes_id(self, type_ref: dict[str, Any], seen: frozenset[str] = frozenset()) -> bool:
        named = self.named(type_ref)
        if named["name"] == "ID":
            return True
        if named["kind"] != "INPUT_OBJECT" or named["name"] in seen:
            return False
        fields = self.types[named["name"]]["inputFields"]
        return any(self.takes_id(field["type"], seen | {named["name"]}) for field in fields)

    def field_takes_id(self, field: dict[str, Any]) -> bool:
        return any(self.takes_id(argument["type"]) for argument in field["args"])

    def id_targets(self) -> tuple[list[Target], list[Target]]:
        """Return the ID-taking fields below the query root, and those below a list."""
        reachable: list[Target] = []
        below_lists: list[Target] = []
        self._walk(self.query_root, (), frozenset(), reachable, below_lists, under_list=False)
        return reachable, below_lists

    def _walk(
        self,
        type_name: str,
        path: tuple[str, ...],
        types_on_path: frozenset[str],
        reachable: list[Target],
        below_lists: list[Target],
        *,
        under_list: bool,
    ) -> None:
        if len(path) >= FULL_SELECTION_DEPTH or type_name in types_on_path:
            return
        for field in self.types[type_name]["fields"] or []:
            if field["name"].startswith("__"):
                continue
            if self.field_takes_id(field):
                target = Target(self.query_root, (*path, field["name"]), field)
                (below_lists if under_list else reachable).append(target)
                continue
            named = self.named(field["type"])
            if named["kind"] != "OBJECT" or self._has_required_args(field):
                continue
            self._walk(
                named["name"],
                (*path, field["name"]),
                types_on_path | {type_name},
                reachable,
                below_lists,
                under_list=(
                    under_list or self.is_list(field["type"]) or self._is_connection(named["name"])
                ),
            )

    def _has_required_args(self, field: dict[str, Any]) -> bool:
        return any(
            argument["type"]["kind"] == "NON_NULL" and argument["defaultValue"] is None
            for argument in field["args"]
        )

    def _is_connection(self, type_name: str) -> bool:
        names = {field["name"] for field in self.types[type_name]["fields"] or []}
        return {"edges", "pageInfo"} <= names

    def mutations(self) -> list[dict[str, Any]]:
        if self.mutation_root is None:
            return []
        return list(self.types[self.mutation_root]["fields"])

    def id_slots(self, field: dict[str, Any]) -> list[tuple[str, ...]]:
        """List the places an ID can go, as paths of argument and input field names."""
        return [
            (argument["name"], *slot)
            for argument in field["args"]
            for slot in self._slots(argument["type"], frozenset())
        ]

    def _slots(self, type_ref: dict[str, Any], seen: frozenset[str]) -> list[tuple[str, ...]]:
        named = self.named(type_ref)
        if named["name"] == "ID":
            return [()]
        if named["kind"] != "INPUT_OBJECT" or named["name"] in seen:
            return []
        return [
            (field["name"], *slot)
            for field in self.types[named["name"]]["inputFields"]
            for slot in self._slots(field["type"], seen | {named["name"]})
        ]

    def value(self, type_ref: dict[str, Any], id_value: str, slot: tuple[str, ...] | None) -> Any:
        """Build a value of `type_ref`: `id_value` for IDs, a table value for the rest.

        Within input objects only required fields and the field on `slot` get a value.
        """
        if type_ref["kind"] == "NON_NULL":
            return self.value(type_ref["ofType"], id_value, slot)
        if type_ref["kind"] == "LIST":
            return [self.value(type_ref["ofType"], id_value, slot)]
        name = type_ref["name"]
        if name == "ID":
            return id_value
        type_ = self.types[name]
        if type_["kind"] == "ENUM":
            return Enum(type_["enumValues"][0]["name"])
        if type_["kind"] == "INPUT_OBJECT":
            return {
                field["name"]: self.value(
                    field["type"], id_value, slot[1:] if slot and slot[0] == field["name"] else None
                )
                for field in type_["inputFields"]
                if (slot and slot[0] == field["name"])
                or (field["type"]["kind"] == "NON_NULL" and field["defaultValue"] is None)
            }
        return SCALAR_VALUES[name]

    def arguments(
        self, field: dict[str, Any], id_value: str, slot: tuple[str, ...] | None = None
    ) -> dict[str, Any]:
        # The argument on `slot` gets the ID. Of the others, those with a default are left
        # out, and every other one gets a value, because an omitted nullable argument is a
        # case of its own that the sweep does not test.
        return {
            argument["name"]: self.value(
                argument["type"],
                id_value,
                slot[1:] if slot and slot[0] == argument["name"] else None,
            )
            for argument in field["args"]
            if argument["defaultValue"] is None or (slot and slot[0] == argument["name"])
        }

    def short_selection(self, type_ref: dict[str, Any]) -> str:
        named = self.named(type_ref)
        if named["kind"] in ("SCALAR", "ENUM"):
            return ""
        fields = {field["name"] for field in self.types[named["name"]]["fields"] or []}
        if "userErrors" in fields:
            return "{ __typename userErrors { code } }"
        if "totalCount" in fields:
            return "{ __typename totalCount }"
        return "{ __typename }"

    def full_selection(self, type_name: str, id_for: dict[str, str], depth: int = 0) -> str:
        """Select every field reachable within FULL_SELECTION_DEPTH levels."""
        type_ = self.types[type_name]
        if type_["kind"] in ("INTERFACE", "UNION"):
            fragments = " ".join(
                f"... on {possible['name']} {self.full_selection(possible['name'], id_for, depth)}"
                for possible in type_["possibleTypes"]
            )
            return "{ __typename " + fragments + " }"
        parts = ["__typename"]
        for field in type_["fields"] or []:
            named = self.named(field["type"])
            arguments = {
                argument["name"]: self.value(
                    argument["type"], id_for_argument(argument, id_for), None
                )
                for argument in field["args"]
                if argument["defaultValue"] is None
            }
            if any(argument["name"] == "first" for argument in field["args"]):
                arguments["first"] = PAGE_SIZE
            call = field["name"] + format_arguments(arguments)
            if named["kind"] in ("SCALAR", "ENUM"):
                parts.append(call)
            elif depth + 1 < FULL_SELECTION_DEPTH:
                parts.append(call + " " + self.full_selection(named["name"], id_for, depth + 1))
        return "{ " + " ".join(parts) + " }"


@dataclass(frozen=True)
class Enum:
    name: str


def format_value(value: Any) -> str:
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {format_value(item)}" for key, item in value.items()) + "}"
    return json.dumps(value)


def format_arguments(arguments: dict[str, Any]) -> str:
    if not arguments:
        return ""
    return (
        "(" + ", ".join(f"{name}: {format_value(value)}" for name, value in arguments.items()) + ")"
    )


def id_for_argument(argument: dict[str, Any], id_for: dict[str, str]) -> str:
    """Guess the object type of an ID argument from its name; contacts by default."""
    name = argument["name"].lower()
    if "property" in name:
        return id_for["Property"]
    if "type" in name:
        return id_for["ProviderType"]
    return id_for["Contact"]


def target_document(model: SchemaModel, target: Target, id_value: str, *, mutation: bool) -> str:
    call = target.path[-1] + format_arguments(model.arguments(target.field, id_value, target.slot))
    inner = f"{call} {model.short_selection(target.field['type'])}".strip()
    for parent in reversed(target.path[:-1]):
        inner = f"{parent} {{ {inner} }}"
    return ("mutation " if mutation else "query ") + "{ " + inner + " }"


def outcome(body: dict[str, Any]) -> dict[str, Any]:
    """Reduce a response to what must not differ: data and error codes and paths."""
    errors = [
        (error.get("extensions", {}).get("code"), tuple(error.get("path") or ()))
        for error in body.get("errors") or []
    ]
    return {"data": body.get("data"), "errors": errors}


def iter_values(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from iter_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from iter_values(item)


def is_not_found(body: dict[str, Any], target: Target) -> bool:
    """The field answered null, an empty list, or a payload with a NOT_FOUND user error."""
    value: Any = body.get("data")
    for name in target.path:
        if not isinstance(value, dict):
            return False
        value = value.get(name)
    if value is None or value == [None]:
        return True
    if isinstance(value, dict) and value.get("totalCount") == 0:
        return True
    return isinstance(value, dict) and any(
        error.get("code") == "NOT_FOUND" for error in value.get("userErrors") or []
    )


async def tenant_rows(database_url: str, tenant_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Read every row that belongs to the tenant, table by table, in primary-key order."""
    engine = create_engine(database_url)
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    try:
        async with engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                if "tenant_id" in table.c:
                    condition = table.c.tenant_id == tenant_id
                elif table.name == "tenant":
                    condition = table.c.id == tenant_id
                else:
                    continue
                statement = select(table).where(condition).order_by(*table.primary_key.columns)
                rows = (await connection.execute(statement)).all()
                snapshot[table.name] = [tuple(row) for row in rows]
    finally:
        await engine.dispose()
    return snapshot


async def introspect(gql: GraphQLClient, token: str) -> SchemaModel:
    return SchemaModel(await gql.execute(INTROSPECTION, token=token))


async def other_tenant_objects(factory: Factory, tenant: Any) -> dict[str, str]:
    contact = await factory.contact(tenant, category="HANDWERKER")
    prop = await factory.property(tenant)
    provider_type = await factory.provider_type(tenant, category="HANDWERKER")
    await factory.assign(contact, prop, provider_type)
    await factory.code(contact)
    return {
        "Contact": to_global_id("Contact", contact.id),
        "Property": to_global_id("Property", prop.id),
        "ProviderType": to_global_id("ProviderType", provider_type.id),
    }


async def test_foreign_ids_answer_like_missing_ones(
    gql: GraphQLClient, demo: Any, other: Any, factory: Factory, database_url: str
) -> None:
    foreign = await other_tenant_objects(factory, other.tenant)
    missing = {name: to_global_id(name, MISSING_DATABASE_ID) for name in NODE_TYPES}
    model = await introspect(gql, demo.admin)
    queries, below_lists = model.id_targets()
    mutations = [
        Target(model.mutation_root or "", (field["name"],), field)
        for field in model.mutations()
        if model.field_takes_id(field)
    ]
    before = await tenant_rows(database_url, other.tenant.id)

    checked: list[str] = []
    sweep = [(q, False) for q in queries] + [(m, True) for m in mutations]
    for target, is_mutation in [
        (slotted, kind) for item, kind in sweep for slotted in item.with_slots(model)
    ]:
        answers_not_found = False
        for type_name in NODE_TYPES:
            foreign_document = target_document(
                model, target, foreign[type_name], mutation=is_mutation
            )
            missing_document = target_document(
                model, target, missing[type_name], mutation=is_mutation
            )
            foreign_body = (await gql.post(foreign_document, token=demo.admin)).json()
            missing_body = (await gql.post(missing_document, token=demo.admin)).json()

            assert outcome(foreign_body) == outcome(missing_body), (target.label, type_name)
            answers_not_found = answers_not_found or is_not_found(foreign_body, target)
        assert answers_not_found, f"{target.label} never answered null or NOT_FOUND"
        checked.append(target.label)
    logger.info("isolation sweep checked %d fields: %s", len(checked), ", ".join(checked))
    report("isolation sweep checked: " + ", ".join(checked))

    assert below_lists == [], "extend the sweep: these ID fields sit below a list"
    assert await tenant_rows(database_url, other.tenant.id) == before
    for known in (
        "node(id)",
        "nodes(ids)",
        "contact(id)",
        "contacts(filter.providerTypeId)",
        "contacts(filter.propertyId)",
        "relaySettings.invitationEmailPreview(contactId)",
        "setContactCategory(contactId)",
        "linkTypeCategory(providerTypeId)",
        "createProviderCode(contactId)",
    ):
        assert known in checked


async def test_viewer_gets_forbidden_from_every_mutation(
    gql: GraphQLClient, demo: Any, factory: Factory, database_url: str
) -> None:
    own = await other_tenant_objects(factory, demo.tenant)
    model = await introspect(gql, demo.viewer)
    before = await tenant_rows(database_url, demo.tenant.id)

    checked: list[str] = []
    for field in model.mutations():
        target = Target(model.mutation_root or "", (field["name"],), field)
        answers: list[list[str]] = []
        # An ID of the wrong type may be rejected as INVALID_ID before the role is checked.
        for slotted in target.with_slots(model) or [target]:
            for type_name in NODE_TYPES if slotted.slot else NODE_TYPES[:1]:
                document = target_document(model, slotted, own[type_name], mutation=True)
                body = (await gql.post(document, token=demo.viewer)).json()

                assert "errors" not in body, (slotted.label, body)
                payload = body["data"][field["name"]]
                answers.append([error["code"] for error in payload["userErrors"]])
        assert ["FORBIDDEN"] in answers, (target.label, answers)
        assert all(codes in (["FORBIDDEN"], ["INVALID_ID"]) for codes in answers), answers
        checked.append(target.label)
    report("viewer sweep checked: " + ", ".join(checked))

    assert checked != []
    assert "createProviderCode" in checked
    assert await tenant_rows(database_url, demo.tenant.id) == before


async def test_viewer_never_sees_provider_codes(
    gql: GraphQLClient, demo: Any, factory: Factory
) -> None:
    own = await other_tenant_objects(factory, demo.tenant)
    invited = await factory.contact(demo.tenant, category="HAUSMEISTER")
    live_codes = {(await factory.code(invited)).code}
    model = await introspect(gql, demo.viewer)
    query_root = model.types[model.query_root]

    checked: list[str] = []
    seen_by_admin: set[str] = set()
    for field in query_root["fields"]:
        if field["name"].startswith("__"):
            continue
        root_type = SchemaModel.named(field["type"])
        selection = (
            ""
            if root_type["kind"] in ("SCALAR", "ENUM")
            else model.full_selection(root_type["name"], own)
        )
        arguments = {
            argument["name"]: model.value(argument["type"], id_for_argument(argument, own), None)
            for argument in field["args"]
            if argument["defaultValue"] is None
        }
        if any(argument["name"] == "first" for argument in field["args"]):
            arguments["first"] = PAGE_SIZE
        document = "query { " + field["name"] + format_arguments(arguments) + f" {selection} }}"

        viewer_response = await gql.post(document, token=demo.viewer)
        admin_response = await gql.post(document, token=demo.admin)

        assert "errors" not in viewer_response.json(), (field["name"], viewer_response.json())
        found = set(CODE_PATTERN.findall(viewer_response.text)) - {CODE_PLACEHOLDER}
        assert found == set(), field["name"]
        seen_by_admin |= set(CODE_PATTERN.findall(admin_response.text)) & live_codes
        checked.append(field["name"])
    report("viewer code search checked: " + ", ".join(checked))

    # The same documents reach the codes with an admin token, so the search can find them.
    assert seen_by_admin == live_codes
    assert "contacts" in checked
