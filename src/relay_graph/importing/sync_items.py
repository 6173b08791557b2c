"""Checks and cleaning of the items a partner system sends through the sync mutations.

Each problem becomes a DomainError whose `field` is the item's path in the GraphQL
arguments, e.g. ("items", "3", "email"). Only INVALID_EMAIL leaves the item accepted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from relay_graph.domain.errors import DomainError, ErrorCode
from relay_graph.importing.changes import (
    AssignmentKey,
    ControlCharacter,
    FieldValue,
    Outcome,
    RecordRow,
    api_field_name,
    clean_email,
    clean_text,
    find_control_characters,
    find_too_long,
)


@dataclass(frozen=True)
class ReferenceIds:
    """Stored ids by ERP number (contacts, properties) and by name (provider types)."""

    contacts: Mapping[str, int]
    properties: Mapping[str, int]
    provider_types: Mapping[str, int]


@dataclass(frozen=True)
class SyncRecord:
    """A contact or property as sent: its ERP number and the fields the client gave.

    A field missing from `values` keeps its stored value, and a None value clears it.
    """

    external_id: str
    values: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ResponsibilityEntry:
    contact_external_id: str
    provider_type_name: str


@dataclass(frozen=True)
class PropertyResponsibilities:
    """The complete list of responsibilities that a property should have."""

    property_external_id: str
    responsibilities: Sequence[ResponsibilityEntry]


@dataclass(frozen=True)
class AcceptedResponsibilities:
    """A property's list after cleaning. `entries` maps each distinct (contact number,
    type name) pair to the position of its first occurrence in the input list."""

    index: int
    property_external_id: str
    entries: dict[tuple[str, str], int]


def _path(index: int, *rest: str) -> tuple[str, ...]:
    return ("items", str(index), *rest)


def _key_of(index: int, raw: str, key_field: str, first: dict[str, int]) -> str | DomainError:
    """Return the cleaned key, or the error if it is blank or repeats an earlier item."""
    key = clean_text(raw)
    if key is None:
        return DomainError(ErrorCode.MISSING_VALUE, _path(index, key_field), {"name": key_field})
    if key in first:
        return DomainError(
            ErrorCode.DUPLICATE_ITEM,
            _path(index, key_field),
            {"external_id": key, "first_index": first[key]},
        )
    first[key] = index
    return key


def prepare_records(
    items: Sequence[SyncRecord],
    limits: Mapping[str, int],
    errors: list[DomainError],
) -> list[RecordRow]:
    """Clean the items, append their problems to `errors`, and return those to store.

    Texts are stripped and empty ones become None. An email is stored lower-cased when
    valid, and as given with email_valid false when not. A row's position is the item's
    index.
    """
    accepted: list[RecordRow] = []
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        key = _key_of(index, item.external_id, "externalId", first)
        if isinstance(key, DomainError):
            errors.append(key)
            continue

        values: dict[str, FieldValue] = {}
        for name, raw in item.values.items():
            if name != "email":
                values[name] = clean_text(raw)
                continue
            values["email"], values["email_valid"] = clean_email(raw)

        controls = find_control_characters({"external_id": key, **values})
        too_long = find_too_long({"external_id": key, **values}, limits)
        email = values.get("email")
        # An email with a control character or too many characters is not stored, so the
        # message of INVALID_EMAIL, "stored anyway", would be wrong.
        rejected_fields = {control.field for control in controls} | {
            problem.field for problem in too_long
        }
        if email is not None and values["email_valid"] is False and "email" not in rejected_fields:
            errors.append(
                DomainError(ErrorCode.INVALID_EMAIL, _path(index, "email"), {"email": email})
            )
        for control in controls:
            errors.append(
                control_character_error(_path(index, api_field_name(control.field)), control)
            )
        for problem in too_long:
            errors.append(
                DomainError(
                    ErrorCode.VALUE_TOO_LONG,
                    _path(index, api_field_name(problem.field)),
                    {
                        "name": api_field_name(problem.field),
                        "length": problem.length,
                        "limit": problem.limit,
                    },
                )
            )
        if not too_long and not controls:
            accepted.append(RecordRow(index, key, values))
    return accepted


def control_character_error(path: tuple[str, ...], control: ControlCharacter) -> DomainError:
    return DomainError(
        ErrorCode.INVALID_CHARACTER,
        path,
        {
            "name": path[-1],
            "character": control.character,
            "position": control.position,
        },
    )


def prepare_responsibilities(
    items: Sequence[PropertyResponsibilities],
    type_name_limit: int,
    external_id_limit: int,
    errors: list[DomainError],
) -> list[AcceptedResponsibilities]:
    """Clean the lists, append their problems to `errors`, and return those without any.

    A pair repeated within one list counts once. An item with any problem is left out
    as a whole, so that a property never ends up with half of the list it was sent.
    """
    accepted: list[AcceptedResponsibilities] = []
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        key = _key_of(index, item.property_external_id, "propertyExternalId", first)
        if isinstance(key, DomainError):
            errors.append(key)
            continue

        item_errors = _text_errors(
            _path(index), {"propertyExternalId": key}, external_id_limit
        )
        entries: dict[tuple[str, str], int] = {}
        for position, entry in enumerate(item.responsibilities):
            pair = _entry_pair(
                index, position, entry, (type_name_limit, external_id_limit), item_errors
            )
            if pair is not None:
                entries.setdefault(pair, position)

        errors.extend(item_errors)
        if not item_errors:
            accepted.append(AcceptedResponsibilities(index, key, entries))
    return accepted


def _entry_pair(
    index: int,
    position: int,
    entry: ResponsibilityEntry,
    limits: tuple[int, int],
    errors: list[DomainError],
) -> tuple[str, str] | None:
    """Clean one responsibility; `limits` are those of the type name and of ERP numbers."""
    type_name_limit, external_id_limit = limits
    path = _path(index, "responsibilities", str(position))
    contact = clean_text(entry.contact_external_id)
    type_name = clean_text(entry.provider_type_name)
    entry_errors: list[DomainError] = []
    for name, value in (("contactExternalId", contact), ("providerTypeName", type_name)):
        if value is None:
            entry_errors.append(DomainError(ErrorCode.MISSING_VALUE, (*path, name), {"name": name}))
    entry_errors += _text_errors(path, {"contactExternalId": contact}, external_id_limit)
    entry_errors += _text_errors(path, {"providerTypeName": type_name}, type_name_limit)
    errors.extend(entry_errors)
    if contact is None or type_name is None or entry_errors:
        return None
    return contact, type_name


def _text_errors(
    path: tuple[str, ...], values: Mapping[str, str | None], limit: int
) -> list[DomainError]:
    """Check texts that an item names other records by: too long, or a control character."""
    errors: list[DomainError] = []
    for name, value in values.items():
        if value is not None and len(value) > limit:
            errors.append(
                DomainError(
                    ErrorCode.VALUE_TOO_LONG,
                    (*path, name),
                    {"name": name, "length": len(value), "limit": limit},
                )
            )
    for control in find_control_characters(values):
        errors.append(control_character_error((*path, control.field), control))
    return errors


def unknown_references(
    item: AcceptedResponsibilities,
    property_ids: Mapping[str, int],
    contact_ids: Mapping[str, int],
    errors: list[DomainError],
) -> bool:
    """Append an error for each ERP number of the item that is not stored.

    Returns whether there was any.
    """
    found = False
    if item.property_external_id not in property_ids:
        errors.append(
            DomainError(
                ErrorCode.UNKNOWN_PROPERTY,
                _path(item.index, "propertyExternalId"),
                {"external_id": item.property_external_id},
            )
        )
        found = True
    for (contact, _type_name), position in item.entries.items():
        if contact not in contact_ids:
            errors.append(
                DomainError(
                    ErrorCode.UNKNOWN_CONTACT,
                    _path(item.index, "responsibilities", str(position), "contactExternalId"),
                    {"external_id": contact},
                )
            )
            found = True
    return found


@dataclass(frozen=True)
class ItemResult:
    """Outcome of one sync item. `record_id` is the stored contact or property, if any.

    `added` and `removed` count the responsibilities that setResponsibilities changed.
    """

    index: int
    external_id: str
    outcome: Outcome
    record_id: int | None = None
    added: int = 0
    removed: int = 0


@dataclass
class SyncResult:
    """Per-item outcomes in input order, and the problems found, blocking or not."""

    items: list[ItemResult] = field(default_factory=list)
    errors: list[DomainError] = field(default_factory=list)
    categorized_contacts: int = 0

    def set_items(self, external_ids: Sequence[str], results: Mapping[int, ItemResult]) -> None:
        """Store one result per input item, and order the errors by item.

        An item without a result was rejected.
        """
        self.items = [
            results.get(index) or ItemResult(index, external_id, Outcome.REJECTED)
            for index, external_id in enumerate(external_ids)
        ]
        # Every error path starts with ("items", index), and the stable sort keeps the
        # order of the errors within an item.
        self.errors.sort(key=lambda error: int(error.field[1]) if error.field else -1)

    def counts(self) -> dict[str, int]:
        """Return the number of items per outcome, keyed by the lower-case outcome name."""
        counts = {outcome.value.lower(): 0 for outcome in Outcome}
        for item in self.items:
            counts[item.outcome.value.lower()] += 1
        return counts


def check_item_count(count: int, limit: int) -> None:
    """Raise TOO_MANY_ITEMS when a call sends more than `limit` items."""
    if count > limit:
        raise DomainError(ErrorCode.TOO_MANY_ITEMS, ("items",), {"limit": limit, "count": count})


@dataclass
class Replacement:
    """The changes that make the stored responsibilities equal the lists sent."""

    results: dict[int, ItemResult] = field(default_factory=dict)
    to_add: list[AssignmentKey] = field(default_factory=list)
    to_remove: list[int] = field(default_factory=list)


def plan_replacement(
    items: Sequence[AcceptedResponsibilities],
    ids: ReferenceIds,
    stored: Iterable[tuple[int, AssignmentKey]],
) -> Replacement:
    """Compare each property's list with its stored responsibilities.

    `stored` contains (assignment id, key) of every responsibility on these properties.
    A property whose list adds or removes something is UPDATED, else UNCHANGED.
    """
    stored_by_property: dict[int, dict[AssignmentKey, int]] = defaultdict(dict)
    for assignment_id, key in stored:
        stored_by_property[key[1]][key] = assignment_id

    plan = Replacement()
    for item in items:
        property_id = ids.properties[item.property_external_id]
        target = {
            (ids.contacts[contact], property_id, ids.provider_types[type_name])
            for contact, type_name in item.entries
        }
        current = stored_by_property[property_id]
        added = target - current.keys()
        removed = [current[key] for key in current.keys() - target]
        plan.to_add.extend(sorted(added))
        plan.to_remove.extend(removed)
        outcome = Outcome.UPDATED if added or removed else Outcome.UNCHANGED
        plan.results[item.index] = ItemResult(
            item.index, item.property_external_id, outcome, property_id, len(added), len(removed)
        )
    return plan
