"""Pages of contacts as JSON text that the database builds from a projection.

One select per page: each row carries one JSON object per projection and the sort key
for the cursors. Related rows come from correlated subqueries, so the page costs one
statement however many assignments its contacts hold.

- PostgreSQL builds objects with `json_build_object` and lists with `json_agg ... ORDER BY`.
  The `json` type keeps keys in the projection's order, where `jsonb` would sort them.
- SQLite builds objects with `json_object` and lists with `json_group_array` over an
  ordered subquery (SQLite before 3.44 has no ORDER BY inside an aggregate). A value that
  comes out of a subquery loses its JSON subtype, so it is wrapped in `json()` again.

Values follow the read models exactly: contact_reads.py and the API's types. The
equivalence test (tests/api/test_read_equivalence.py) compares every member with
graphql-core's completion of the read models.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    String,
    Text,
    and_,
    case,
    cast,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause, Select

from relay_graph.db.engine import SQLITE_BASE64_FUNCTION
from relay_graph.db.models import Assignment, Contact, Property, ProviderCode, ProviderType
from relay_graph.domain.categories import RelayCategory
from relay_graph.domain.pagination import Page, PageRequest
from relay_graph.domain.projections import (
    Attribute,
    Constant,
    GlobalId,
    Member,
    Members,
    check_key,
)
from relay_graph.domain.read_models import ContactFilter, ContactOrder
from relay_graph.repositories.contact_reads import (
    filter_conditions,
    keyset_page,
    page_parameters,
    page_shape,
    remember_statement,
    sort_key,
)
from relay_graph.repositories.keyset import build_page
from relay_graph.repositories.relay_sql import active_code_join_condition, relay_status_expression


class UnsupportedProjection(ValueError):
    """The projection names a member that this module cannot build in SQL."""


def _display_name() -> ColumnElement[Any]:
    """`Contact.display_name` of the API: first and last name, else company, else email.

    Python treats empty strings as missing there, and so does this expression.
    """
    first, last = Contact.first_name, Contact.last_name
    space = literal_column("' '", String)
    empty = literal_column("''", String)
    return case(
        (and_(first != empty, last != empty), first + space + last),
        (first != empty, first),
        (last != empty, last),
        (Contact.company != empty, Contact.company),
        (Contact.email != empty, Contact.email),
        else_=empty,
    )


# Contact attributes that are columns of the same name; `relay_status` and
# `display_name` are expressions.
_CONTACT_COLUMNS = frozenset(
    {
        "external_id",
        "salutation",
        "first_name",
        "last_name",
        "company",
        "email",
        "email_valid",
        "phone",
        "street",
        "postal_code",
        "city",
        "category",
    }
)

# Attributes of related rows are plain columns of the same name.
_RELATED_COLUMNS = {
    "property": frozenset({"id", "external_id", "name", "street", "postal_code", "city"}),
    "provider_type": frozenset({"id", "name", "category"}),
}


def _columns(model: Any, entity: str) -> list[ColumnElement[Any]]:
    return [model.__table__.c[name] for name in sorted(_RELATED_COLUMNS[entity])]


# Written into the SQL text, so a cached statement needs no parameters for them.
_CATEGORY_VALUES = [literal_column(f"'{category.value}'", String) for category in RelayCategory]


class _Builder:
    """Builder of SQL expressions from projections, for one dialect."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"
        self.uses_relay_status = False
        # Where the columns of related rows come from while an assignment list is built.
        self.sources: dict[str, FromClause] = {}

    def object(self, entity: str, members: Members) -> ColumnElement[Any]:
        arguments: list[ColumnElement[Any]] = []
        for key, member in members:
            arguments.append(literal_column(f"'{check_key(key)}'", String))
            arguments.append(self.member(entity, member))
        build = func.json_build_object if self.postgres else func.json_object
        return build(*arguments)

    def member(self, entity: str, member: Member) -> ColumnElement[Any]:
        if isinstance(member, Attribute):
            return self.attribute(entity, member.name)
        if isinstance(member, GlobalId):
            return self.global_id(self.column(entity, "id"), member.type_name)
        if isinstance(member, Constant):
            return literal_column(f"'{check_key(member.value)}'", String)
        if entity == "contact" and member.relation == "assignments":
            return self.assignments(member.members)
        if entity == "assignment" and member.relation in _RELATED_COLUMNS:
            return self.object(member.relation, member.members)
        raise UnsupportedProjection(f"{entity} has no relation {member.relation!r} in SQL")

    def column(self, entity: str, name: str) -> ColumnElement[Any]:
        if entity == "contact" and name == "id":
            return Contact.id.expression
        if name not in _RELATED_COLUMNS.get(entity, ()):
            raise UnsupportedProjection(f"{entity} has no attribute {name!r} in SQL")
        return self.sources[entity].c[name]

    def attribute(self, entity: str, name: str) -> ColumnElement[Any]:
        value: ColumnElement[Any]
        if entity != "contact":
            value = self.column(entity, name)
        elif name == "relay_status":
            self.uses_relay_status = True
            value = relay_status_expression(None)
        elif name == "display_name":
            value = _display_name()
        elif name in _CONTACT_COLUMNS:
            value = Contact.__table__.c[name]
        else:
            raise UnsupportedProjection(f"contact has no attribute {name!r} in SQL")
        if not self.postgres and isinstance(value.type, Boolean):
            # SQLite stores booleans as 0 and 1; JSON needs true and false.
            return case((value, func.json("true")), else_=func.json("false"))
        if name == "category":
            # Only catalogue values are enum values of the schema. The API writes no
            # others; one written by other SQL clients comes out as null.
            return case((value.in_(_CATEGORY_VALUES), value), else_=None)
        return value

    def global_id(self, column: ColumnElement[Any], type_name: str) -> ColumnElement[Any]:
        text = literal_column(f"'{check_key(type_name)}:'", String) + cast(column, String)
        if self.postgres:
            utf8 = literal_column("'UTF8'", String)
            return func.encode(func.convert_to(text, utf8), literal_column("'base64'", String))
        base64: ColumnElement[Any] = getattr(func, SQLITE_BASE64_FUNCTION)(text)
        return base64

    def assignments(self, members: Members) -> ColumnElement[Any]:
        joined = self.assignment_rows()
        item = self.object("assignment", members)
        # The order of ContactReads.attach_assignments.
        properties, types = self.sources["property"], self.sources["provider_type"]
        order = (properties.c.name, types.c.name, Assignment.id)
        rows = select().select_from(joined).where(Assignment.contact_id == Contact.id)

        if self.postgres:
            listed = func.json_agg(aggregate_order_by(item, *order))
            empty: ColumnElement[Any] = literal_column("'[]'::json")
            return (
                rows.add_columns(func.coalesce(listed, empty)).correlate(Contact).scalar_subquery()
            )
        ordered = rows.add_columns(item.label("item")).order_by(*order).correlate(Contact)
        items = ordered.subquery()
        listed = func.json_group_array(func.json(items.c.item))
        return func.json(select(listed).select_from(items).scalar_subquery())

    def assignment_rows(self) -> FromClause:
        """Join assignments to their properties and types, and note where their columns are."""
        if not self.postgres:
            properties, types = Property.__table__, ProviderType.__table__
            self.sources = {"property": properties, "provider_type": types}
            return Assignment.__table__.join(
                properties, Property.id == Assignment.property_id
            ).join(types, ProviderType.id == Assignment.provider_type_id)

        # One primary-key lookup per assignment. With plain joins PostgreSQL hashed the
        # whole property table for every contact of the page: it estimates a lookup
        # dearer than scanning a few hundred rows. OFFSET 0 keeps each LATERAL subquery
        # from being merged back into such a join.
        fence: ColumnElement[Any] = literal_column("0")
        lateral_properties = (
            select(*_columns(Property, "property"))
            .where(Property.id == Assignment.property_id)
            .offset(fence)
            .lateral("assigned_property")
        )
        lateral_types = (
            select(*_columns(ProviderType, "provider_type"))
            .where(ProviderType.id == Assignment.provider_type_id)
            .offset(fence)
            .lateral("assigned_type")
        )
        self.sources = {"property": lateral_properties, "provider_type": lateral_types}
        return Assignment.__table__.join(lateral_properties, true()).join(lateral_types, true())


_statements: dict[tuple[Any, ...], Select[*tuple[Any, ...]]] = {}


def page_statement(
    dialect: str,
    projections: Sequence[Members],
    order: ContactOrder,
    contact_filter: ContactFilter,
    request: PageRequest,
) -> Select[*tuple[Any, ...]]:
    """Return the page select for this shape of request, built once with named parameters.

    Like contact_reads.page_statement, it carries tenant 0, so a value the caller forgot
    to pass selects nothing.
    """
    shape = (dialect, tuple(projections), *page_shape(order, contact_filter, request))
    cached = _statements.get(shape)
    if cached is not None:
        return cached

    builder = _Builder(dialect)
    # As text: SQLAlchemy's asyncpg dialect would parse JSON into Python objects.
    objects = [
        cast(builder.object("contact", members), Text).label(f"node_{index}")
        for index, members in enumerate(projections)
    ]
    key = sort_key(order)
    statement: Select[*tuple[Any, ...]] = select(*objects, *key).select_from(Contact)
    if builder.uses_relay_status or contact_filter.relay_status is not None:
        statement = statement.outerjoin(ProviderCode, active_code_join_condition())
    statement = statement.where(*filter_conditions(0, contact_filter, None))
    statement = keyset_page(statement, order, request)
    remember_statement(_statements, shape, statement)
    return statement


class ContactJsonReads:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(
        self,
        tenant_id: int,
        contact_filter: ContactFilter,
        order: ContactOrder,
        request: PageRequest,
        now: datetime,
        projections: Sequence[Members],
    ) -> Page[tuple[str, ...]]:
        """Read one page; each item is a tuple with one JSON text per projection, in order."""
        dialect = self._session.get_bind().dialect.name
        statement = page_statement(dialect, projections, order, contact_filter, request)
        key_length = len(sort_key(order))
        parameters = page_parameters(tenant_id, contact_filter, order, request, now)
        rows = (await self._session.execute(statement, parameters)).all()
        count = len(projections)
        return build_page(rows, request, key_length, lambda row: tuple(row[:count]))
