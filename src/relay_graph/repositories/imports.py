"""SQL of the ERP import: records keyed by ERP number, provider types and responsibilities.

Every method sends a fixed number of statements per call, or one per KEY_CHUNK keys,
never one per row. Callers pass at most a few hundred rows at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import String, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from relay_graph.db.models import Assignment, Contact, Property, ProviderType
from relay_graph.importing.changes import AssignmentKey, FieldValue

# Keys per IN list and rows per multi-row INSERT. 500 rows of 15 values stay far below
# the bind parameter limits of SQLite (32766) and PostgreSQL (32767).
KEY_CHUNK = 500

T = TypeVar("T")


@dataclass(frozen=True)
class ErpTable:
    """A table whose rows the ERP identifies by number (`external_id`, unique per tenant).

    `fields` are the columns the ERP provides. `touch` names the column that records the
    time of the last change, if the table has one.
    """

    model: type[Contact] | type[Property]
    fields: tuple[str, ...]
    touch: str | None

    def defaults(self, external_id: str) -> dict[str, FieldValue]:
        """Return the values of a new record for the fields its source leaves out."""
        defaults: dict[str, FieldValue] = dict.fromkeys(self.fields)
        if "email_valid" in defaults:
            defaults["email_valid"] = False
        if self.model is Property:
            defaults["name"] = external_id
        return defaults

    def fill_required(
        self, external_id: str, values: dict[str, FieldValue]
    ) -> dict[str, FieldValue]:
        """Replace an empty property name, which the schema forbids, by the ERP number.

        Property managers identify their properties by that number anyway.
        """
        if self.model is Property and "name" in values and values["name"] is None:
            return {**values, "name": external_id}
        return values

    def limits(self) -> dict[str, int]:
        """Return the maximum length in characters of each text column, external_id included."""
        columns = self.model.__table__.columns
        limits: dict[str, int] = {}
        for name in ("external_id", *self.fields):
            column_type = columns[name].type
            if isinstance(column_type, String) and column_type.length is not None:
                limits[name] = column_type.length
        return limits


CONTACTS = ErpTable(
    Contact,
    (
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
    ),
    touch="updated_at",
)
PROPERTIES = ErpTable(Property, ("name", "street", "postal_code", "city"), touch=None)


def external_id_limit() -> int:
    """Return the maximum length of a contact's or property's ERP number in characters."""
    return min(CONTACTS.limits()["external_id"], PROPERTIES.limits()["external_id"])


def provider_type_name_limit() -> int:
    """Return the maximum length of a provider type name in characters."""
    column_type = ProviderType.__table__.columns["name"].type
    assert isinstance(column_type, String) and column_type.length is not None
    return column_type.length


@dataclass(frozen=True)
class StoredRecord:
    """The id and the ERP-provided values of a stored record."""

    id: int
    values: dict[str, FieldValue]


@dataclass(frozen=True)
class StoredAssignment:
    id: int
    key: AssignmentKey


def chunked(items: Sequence[T], size: int = KEY_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _insert(self, model: Any) -> Any:
        # The generic insert() has no ON CONFLICT, but both dialects' versions do.
        if self._session.get_bind().dialect.name == "postgresql":
            return postgresql.insert(model)
        return sqlite.insert(model)

    async def find_records(
        self, table: ErpTable, tenant_id: int, external_ids: Iterable[str]
    ) -> dict[str, StoredRecord]:
        """Load the stored records with these ERP numbers, by ERP number."""
        model = table.model
        columns = [model.id, model.external_id, *(getattr(model, name) for name in table.fields)]
        found: dict[str, StoredRecord] = {}
        for chunk in chunked(sorted(set(external_ids))):
            statement = select(*columns).where(
                model.tenant_id == tenant_id, model.external_id.in_(chunk)
            )
            for row in await self._session.execute(statement):
                values = {name: row._mapping[name] for name in table.fields}
                found[row.external_id] = StoredRecord(row.id, values)
        return found

    async def upsert_records(
        self,
        table: ErpTable,
        tenant_id: int,
        rows: Sequence[tuple[str, dict[str, FieldValue]]],
        now: datetime,
    ) -> dict[str, int]:
        """Insert or overwrite records by ERP number and return their ids by ERP number.

        Each row is (external_id, values) with a value for every field of the table. The
        ERP numbers must be distinct, because PostgreSQL rejects an ON CONFLICT DO UPDATE
        that meets the same key twice in one statement.
        """
        ids: dict[str, int] = {}
        for chunk in chunked(rows):
            values = [
                {
                    "tenant_id": tenant_id,
                    "external_id": external_id,
                    "created_at": now,
                    **({table.touch: now} if table.touch else {}),
                    **fields,
                }
                for external_id, fields in chunk
            ]
            statement = self._insert(table.model).values(values)
            updated_columns = [*table.fields, *([table.touch] if table.touch else [])]
            statement = statement.on_conflict_do_update(
                index_elements=["tenant_id", "external_id"],
                set_={name: statement.excluded[name] for name in updated_columns},
            ).returning(table.model.id, table.model.external_id)
            for row in await self._session.execute(statement):
                ids[row.external_id] = row.id
        return ids

    async def record_ids(
        self, table: ErpTable, tenant_id: int, external_ids: Iterable[str]
    ) -> dict[str, int]:
        """Return the ids of the stored records with these ERP numbers, by ERP number."""
        model = table.model
        ids: dict[str, int] = {}
        for chunk in chunked(sorted(set(external_ids))):
            statement = select(model.id, model.external_id).where(
                model.tenant_id == tenant_id, model.external_id.in_(chunk)
            )
            for row in await self._session.execute(statement):
                ids[row.external_id] = row.id
        return ids

    async def provider_type_ids(
        self, tenant_id: int, names: Iterable[str], now: datetime
    ) -> tuple[dict[str, int], int]:
        """Return the ids of the provider types by name, creating missing types.

        Names match exactly, case included, as the unique constraint does. Also returns how
        many types this call created.
        """
        unique_names = sorted(set(names))
        ids = await self._provider_types_named(tenant_id, unique_names)
        missing = [name for name in unique_names if name not in ids]
        created = 0
        for chunk in chunked(missing):
            rows = [{"tenant_id": tenant_id, "name": name, "created_at": now} for name in chunk]
            statement = (
                self._insert(ProviderType)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["tenant_id", "name"])
                .returning(ProviderType.id, ProviderType.name)
            )
            for row in await self._session.execute(statement):
                ids[row.name] = row.id
                created += 1

        # A concurrent transaction may have created some of them in between.
        raced = [name for name in missing if name not in ids]
        if raced:
            ids.update(await self._provider_types_named(tenant_id, raced))
        return ids, created

    async def _provider_types_named(self, tenant_id: int, names: Sequence[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for chunk in chunked(names):
            statement = select(ProviderType.id, ProviderType.name).where(
                ProviderType.tenant_id == tenant_id, ProviderType.name.in_(chunk)
            )
            for row in await self._session.execute(statement):
                ids[row.name] = row.id
        return ids

    async def add_assignments(
        self, tenant_id: int, keys: Sequence[AssignmentKey]
    ) -> dict[AssignmentKey, int]:
        """Insert the responsibilities that do not exist yet and return the new ones' ids."""
        created: dict[AssignmentKey, int] = {}
        for chunk in chunked(sorted(set(keys))):
            values = [
                {
                    "tenant_id": tenant_id,
                    "contact_id": contact_id,
                    "property_id": property_id,
                    "provider_type_id": provider_type_id,
                }
                for contact_id, property_id, provider_type_id in chunk
            ]
            statement = (
                self._insert(Assignment)
                .values(values)
                .on_conflict_do_nothing(
                    index_elements=["contact_id", "property_id", "provider_type_id"]
                )
                .returning(
                    Assignment.id,
                    Assignment.contact_id,
                    Assignment.property_id,
                    Assignment.provider_type_id,
                )
            )
            for row in await self._session.execute(statement):
                created[(row.contact_id, row.property_id, row.provider_type_id)] = row.id
        return created

    async def lock_properties(self, tenant_id: int, property_ids: Iterable[int]) -> None:
        """Lock these properties until the transaction ends (PostgreSQL; SQLite has one writer).

        Concurrent replacements of one property's responsibilities then run one after the
        other, and each reads the list the previous one stored. The rows are locked in id
        order, so two calls with overlapping properties take their locks in the same order.
        """
        for chunk in chunked(sorted(set(property_ids))):
            statement = (
                select(Property.id)
                .where(Property.tenant_id == tenant_id, Property.id.in_(chunk))
                .order_by(Property.id)
                .with_for_update()
            )
            await self._session.execute(statement)

    async def assignments_of_properties(
        self, tenant_id: int, property_ids: Iterable[int]
    ) -> list[StoredAssignment]:
        """Load every responsibility held on these properties."""
        found: list[StoredAssignment] = []
        for chunk in chunked(sorted(set(property_ids))):
            statement = select(
                Assignment.id,
                Assignment.contact_id,
                Assignment.property_id,
                Assignment.provider_type_id,
            ).where(Assignment.tenant_id == tenant_id, Assignment.property_id.in_(chunk))
            for row in await self._session.execute(statement):
                key = (row.contact_id, row.property_id, row.provider_type_id)
                found.append(StoredAssignment(row.id, key))
        return found

    async def remove_assignments(self, tenant_id: int, assignment_ids: Sequence[int]) -> None:
        for chunk in chunked(sorted(assignment_ids)):
            statement = delete(Assignment).where(
                Assignment.tenant_id == tenant_id, Assignment.id.in_(chunk)
            )
            await self._session.execute(statement)

    async def adopt_type_categories(
        self, tenant_id: int, assignment_ids: Sequence[int], now: datetime
    ) -> int:
        """Give the category of a linked type to each contact without one that got it now.

        `assignment_ids` are the responsibilities just created. A contact that received
        several linked types takes the category of the first one created. Archived
        contacts are left alone. Returns the number of contacts that got a category.
        """
        changed = 0
        for chunk in chunked(sorted(assignment_ids)):
            linked = (
                select(Assignment.contact_id)
                .join(ProviderType, ProviderType.id == Assignment.provider_type_id)
                .where(Assignment.id.in_(chunk), ProviderType.category.is_not(None))
            )
            first_category = (
                select(ProviderType.category)
                .join(Assignment, Assignment.provider_type_id == ProviderType.id)
                .where(
                    Assignment.contact_id == Contact.id,
                    Assignment.id.in_(chunk),
                    ProviderType.category.is_not(None),
                )
                .order_by(Assignment.id)
                .limit(1)
                .scalar_subquery()
            )
            statement = (
                update(Contact)
                .where(
                    Contact.tenant_id == tenant_id,
                    Contact.category.is_(None),
                    Contact.archived_at.is_(None),
                    Contact.id.in_(linked),
                )
                .values(category=first_category, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            result: CursorResult[Any] = await self._session.execute(statement)  # type: ignore[assignment]
            changed += int(result.rowcount)
        return changed
