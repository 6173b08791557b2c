"""Contact lists whose JSON the database builds: a plan per document for `contacts`.

The SPA's contact list selects plain columns of each contact and of its assignments.
For such a selection, `list_plan` compiles a plan once per document. The plan contains one
projection per distinct selection of a contact (see domain/projections.py). The
repository builds the JSON of each contact in SQL from it, and the plan puts the rows'
JSON texts into the connection as `orjson.Fragment`, next to the cursors, page info and
total count that it computes in Python. No read model and no per-field completion is
involved.

A plan exists only when every selected field is listed below. Anything else, such as
`relay`, `contactCount`, `@defer`, or more members than one SQL call takes, leaves the
field to the usual resolution. The resolver returns the plan's result wrapped in
`Completed`, which `PlanningExecutor` puts into the response as it is.

tests/api/test_read_equivalence.py checks every listed field against graphql-core's
completion of the read models.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import orjson
from graphql import (
    FieldNode,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    get_named_type,
)
from graphql.execution.collect_fields import FieldDetails, FragmentDetails, collect_subfields
from graphql.execution.values import VariableValues

from relay_graph.api.graphql.compiled import has_directives
from relay_graph.domain.pagination import Page
from relay_graph.domain.projections import (
    Attribute,
    Constant,
    GlobalId,
    Member,
    Members,
    Related,
)

PLANS_CACHED = 256

# PostgreSQL passes at most 100 arguments to a function, which makes 50 keys per object.
MAX_MEMBERS = 50

# Source of each GraphQL field of a listed object: a member, or for an object or list
# field the relation's name and the GraphQL type of its fields.
_FIELDS: dict[str, dict[str, Member | tuple[str, str]]] = {
    "Contact": {
        "id": GlobalId("Contact"),
        "externalId": Attribute("external_id"),
        "salutation": Attribute("salutation"),
        "firstName": Attribute("first_name"),
        "lastName": Attribute("last_name"),
        "company": Attribute("company"),
        "email": Attribute("email"),
        "emailValid": Attribute("email_valid"),
        "phone": Attribute("phone"),
        "street": Attribute("street"),
        "postalCode": Attribute("postal_code"),
        "city": Attribute("city"),
        "category": Attribute("category"),
        "relayStatus": Attribute("relay_status"),
        "displayName": Attribute("display_name"),
        "assignments": ("assignments", "ProviderAssignment"),
    },
    "ProviderAssignment": {
        "property": ("property", "Property"),
        "providerType": ("provider_type", "ProviderType"),
    },
    "Property": {
        "id": GlobalId("Property"),
        "externalId": Attribute("external_id"),
        "name": Attribute("name"),
        "street": Attribute("street"),
        "postalCode": Attribute("postal_code"),
        "city": Attribute("city"),
    },
    "ProviderType": {
        "id": GlobalId("ProviderType"),
        "name": Attribute("name"),
        "category": Attribute("category"),
    },
}

JsonPage = Page[tuple[str, ...]]
Build = Callable[[JsonPage, int | None], dict[str, Any]]


@dataclass(frozen=True)
class ListPlan:
    """Projections to read for one selection of a contact connection, and its response builder."""

    projections: tuple[Members, ...]
    with_total: bool
    build: Build


class _Unsupported(Exception):
    """The selection needs the usual resolution."""


class _Compiler:
    def __init__(self, info: GraphQLResolveInfo[Any]) -> None:
        self.schema: GraphQLSchema = info.schema
        self.operation = info.operation
        # Resolvers get the coerced values only, which is all that directives read.
        values: Any = info.variable_values
        coerced = values.coerced if isinstance(values, VariableValues) else dict(values)
        self.variables = VariableValues(sources={}, coerced=coerced)
        self.fragments = {
            name: FragmentDetails(definition) for name, definition in info.fragments.items()
        }
        self.projections: list[Members] = []

    def subfields(self, type_name: str, details: Sequence[FieldDetails]) -> dict[str, Any]:
        type_ = self.schema.get_type(type_name)
        assert isinstance(type_, GraphQLObjectType)
        collected = collect_subfields(
            self.schema, self.fragments, self.variables, self.operation, type_, list(details)
        )
        if collected.new_defer_usages or any(item.defer_usage for item in details):
            raise _Unsupported
        return collected.grouped_field_set

    def connection(self, type_name: str, details: Sequence[FieldDetails]) -> ListPlan:
        parts: list[tuple[str, Callable[[JsonPage, int | None], Any]]] = []
        with_total = False
        for key, items in self.subfields(type_name, details).items():
            name = _plain_name(items)
            if name == "__typename":
                parts.append((key, _constant(type_name)))
            elif name == "totalCount":
                with_total = True
                parts.append((key, lambda _page, total: total))
            elif name == "nodes":
                index = self.projection("Contact", items)
                parts.append((key, _nodes(index)))
            elif name == "edges":
                parts.append((key, self.edges(items)))
            elif name == "pageInfo":
                parts.append((key, self.page_info(items)))
            else:
                raise _Unsupported
        return ListPlan(tuple(self.projections), with_total, _object_of(parts))

    def edges(self, details: Sequence[FieldDetails]) -> Callable[[JsonPage, int | None], Any]:
        fields: list[tuple[str, str | int]] = []
        for key, items in self.subfields("ContactEdge", details).items():
            name = _plain_name(items)
            if name == "node":
                fields.append((key, self.projection("Contact", items)))
            elif name in ("cursor", "__typename"):
                fields.append((key, name))
            else:
                raise _Unsupported
        plan = tuple(fields)

        def build(page: JsonPage, _total: int | None) -> list[dict[str, Any]]:
            edges = []
            for position, item in enumerate(page.items):
                edge: dict[str, Any] = {}
                for key, source in plan:
                    if source == "cursor":
                        edge[key] = page.cursors[position]
                    elif source == "__typename":
                        edge[key] = "ContactEdge"
                    else:
                        assert isinstance(source, int)
                        edge[key] = orjson.Fragment(item[source])
                edges.append(edge)
            return edges

        return build

    def page_info(self, details: Sequence[FieldDetails]) -> Callable[[JsonPage, int | None], Any]:
        readers: dict[str, Callable[[JsonPage], Any]] = {
            "__typename": lambda _page: "PageInfo",
            "hasNextPage": lambda page: page.has_next_page,
            "hasPreviousPage": lambda page: page.has_previous_page,
            "startCursor": lambda page: page.cursors[0] if page.cursors else None,
            "endCursor": lambda page: page.cursors[-1] if page.cursors else None,
        }
        fields = []
        for key, items in self.subfields("PageInfo", details).items():
            reader = readers.get(_plain_name(items))
            if reader is None:
                raise _Unsupported
            fields.append((key, reader))
        plan = tuple(fields)
        return lambda page, _total: {key: read(page) for key, read in plan}

    def projection(self, type_name: str, details: Sequence[FieldDetails]) -> int:
        members = self.members(type_name, details)
        if members not in self.projections:
            self.projections.append(members)
        return self.projections.index(members)

    def members(self, type_name: str, details: Sequence[FieldDetails]) -> Members:
        known = _FIELDS[type_name]
        members: list[tuple[str, Member]] = []
        for key, items in self.subfields(type_name, details).items():
            name = _plain_name(items)
            if name == "__typename":
                members.append((key, Constant(type_name)))
                continue
            source = known.get(name)
            if source is None:
                raise _Unsupported
            if isinstance(source, tuple):
                relation, nested_type = source
                members.append((key, Related(relation, self.members(nested_type, items))))
            else:
                members.append((key, source))
        if len(members) > MAX_MEMBERS:
            raise _Unsupported
        return tuple(members)


def _plain_name(items: Sequence[FieldDetails]) -> str:
    """Return the field's name; a node with arguments needs the usual resolution.

    None of the fields listed above takes arguments.
    """
    node = items[0].node
    if any(item.node.arguments for item in items):
        raise _Unsupported
    return node.name.value


def _constant(value: str) -> Callable[[JsonPage, int | None], str]:
    return lambda _page, _total: value


def _nodes(index: int) -> Callable[[JsonPage, int | None], list[orjson.Fragment]]:
    return lambda page, _total: [orjson.Fragment(item[index]) for item in page.items]


def _object_of(parts: list[tuple[str, Callable[[JsonPage, int | None], Any]]]) -> Build:
    plan = tuple(parts)
    return lambda page, total: {key: build(page, total) for key, build in plan}


class _PlanCache:
    """Plans by the identity of the field's nodes, as compiled.PlanCache keeps them."""

    def __init__(self, size: int = PLANS_CACHED) -> None:
        self.size = size
        self._entries: OrderedDict[
            tuple[int, tuple[int, ...]], tuple[tuple[FieldNode, ...], ListPlan | None]
        ] = OrderedDict()

    def get(self, schema: GraphQLSchema, nodes: tuple[FieldNode, ...]) -> tuple[bool, Any]:
        entry = self._entries.get((id(schema), tuple(map(id, nodes))))
        if entry is None or entry[0] != nodes:
            return False, None
        return True, entry[1]

    def put(self, schema: GraphQLSchema, nodes: tuple[FieldNode, ...], plan: Any) -> None:
        key = (id(schema), tuple(map(id, nodes)))
        self._entries[key] = (nodes, plan)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return sum(1 for _nodes, plan in self._entries.values() if plan is not None)


list_plans = _PlanCache()


def list_plan(info: GraphQLResolveInfo[Any]) -> ListPlan | None:
    """Return the plan for the current `contacts` field, or None to resolve it as usual."""
    nodes = tuple(info.field_nodes)
    found, cached = list_plans.get(info.schema, nodes)
    if found:
        return cast(ListPlan | None, cached)
    plan: ListPlan | None
    connection = get_named_type(info.return_type)
    try:
        compiler = _Compiler(info)
        plan = compiler.connection(connection.name, [FieldDetails(node, None) for node in nodes])
    except _Unsupported:
        plan = None
    # Directives can depend on variables, so such a plan serves this request only.
    if not has_directives(nodes, info.fragments):
        list_plans.put(info.schema, nodes, plan)
    return plan
