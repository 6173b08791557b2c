"""Inputs and results of the partner sync mutations (upsertContacts, upsertProperties,
setResponsibilities)."""

from __future__ import annotations

import enum

import strawberry

from relay_graph.api.graphql.errors import UserError, UserErrorCode
from relay_graph.api.graphql.types.contact import Contact
from relay_graph.api.graphql.types.property import Property
from relay_graph.domain.errors import DomainError, ErrorCode
from relay_graph.i18n import Language
from relay_graph.i18n.messages import translate
from relay_graph.importing.changes import Outcome
from relay_graph.importing.sync_items import (
    PropertyResponsibilities,
    ResponsibilityEntry,
    SyncRecord,
)

UNSET = strawberry.UNSET

_KEEPS_STORED = "Omitted: the stored value is kept. Null or blank: the value is cleared."

# A sync problem that does not block its item gets a message stating that it was stored.
_MESSAGE_KEYS = {ErrorCode.INVALID_EMAIL: "INVALID_EMAIL_STORED"}


@strawberry.enum(description="Outcome of one item of a sync call.")
class SyncOutcome(enum.Enum):
    CREATED = strawberry.enum_value("CREATED", description="A new record was stored.")
    UPDATED = strawberry.enum_value(
        "UPDATED", description="The stored data differed from the item and was changed."
    )
    UNCHANGED = strawberry.enum_value(
        "UNCHANGED",
        description="The stored data already equalled the item, so nothing was written.",
    )
    REJECTED = strawberry.enum_value(
        "REJECTED", description="Nothing was stored for the item. `userErrors` give the reasons."
    )


def sync_outcome(outcome: Outcome) -> SyncOutcome:
    return SyncOutcome(outcome.value)


def sync_user_error(error: DomainError, language: Language) -> UserError:
    """Turn a sync problem into a UserError, with the message for a non-blocking one."""
    message_key = _MESSAGE_KEYS.get(error.code, error.code.value)
    return UserError(
        field=list(error.field) if error.field else None,
        code=UserErrorCode(error.code.value),
        message=translate(message_key, language, **error.params),
    )


def _given(source: object, names: tuple[str, ...]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for name in names:
        value = getattr(source, name)
        if value is not UNSET:
            values[name] = value
    return values


@strawberry.input(
    description=(
        "A contact (Kontakt) as kept in the ERP. Matched by `externalId` within your "
        "tenant: a new number creates a contact, a known one updates it."
    )
)
class ContactInput:
    FIELDS = (
        "salutation",
        "first_name",
        "last_name",
        "company",
        "email",
        "phone",
        "street",
        "postal_code",
        "city",
    )

    external_id: str = strawberry.field(
        description="The ERP's contact number (Kontakt-Nr), unique within your tenant."
    )
    salutation: str | None = strawberry.field(
        default=UNSET, description=f"Salutation (Anrede), e.g. 'Frau'. {_KEEPS_STORED}"
    )
    first_name: str | None = strawberry.field(
        default=UNSET, description=f"First name. {_KEEPS_STORED}"
    )
    last_name: str | None = strawberry.field(
        default=UNSET, description=f"Last name. {_KEEPS_STORED}"
    )
    company: str | None = strawberry.field(
        default=UNSET, description=f"Company (Firma). {_KEEPS_STORED}"
    )
    email: str | None = strawberry.field(
        default=UNSET,
        description=(
            "Email address; a valid one is stored in lower case. An invalid address is "
            "stored as given with `emailValid` false, so the contact is kept and cannot be "
            "invited until the ERP corrects it: the item's outcome is unaffected and a "
            f"userError with code INVALID_EMAIL reports it. {_KEEPS_STORED}"
        ),
    )
    phone: str | None = strawberry.field(
        default=UNSET, description=f"Phone number, stored as given. {_KEEPS_STORED}"
    )
    street: str | None = strawberry.field(
        default=UNSET, description=f"Street and house number. {_KEEPS_STORED}"
    )
    postal_code: str | None = strawberry.field(
        default=UNSET, description=f"Postal code (PLZ), stored as given. {_KEEPS_STORED}"
    )
    city: str | None = strawberry.field(default=UNSET, description=f"City (Ort). {_KEEPS_STORED}")

    def to_record(self) -> SyncRecord:
        return SyncRecord(self.external_id, _given(self, self.FIELDS))


@strawberry.input(
    description=(
        "A property (Liegenschaft) as kept in the ERP. Matched by `externalId` within your "
        "tenant: a new number creates a property, a known one updates it."
    )
)
class PropertyInput:
    FIELDS = ("name", "street", "postal_code", "city")

    external_id: str = strawberry.field(
        description="The ERP's property number (Objekt-Nr), unique within your tenant."
    )
    name: str | None = strawberry.field(
        default=UNSET,
        description=(
            "Name (Bezeichnung). A property needs a name, so null or blank stores the "
            "`externalId` as name. Omitted: the stored name is kept, and a new property is "
            "named after its `externalId`."
        ),
    )
    street: str | None = strawberry.field(
        default=UNSET, description=f"Street and house number. {_KEEPS_STORED}"
    )
    postal_code: str | None = strawberry.field(
        default=UNSET, description=f"Postal code (PLZ), stored as given. {_KEEPS_STORED}"
    )
    city: str | None = strawberry.field(default=UNSET, description=f"City (Ort). {_KEEPS_STORED}")

    def to_record(self) -> SyncRecord:
        return SyncRecord(self.external_id, _given(self, self.FIELDS))


@strawberry.input(description="One responsibility (Zuständigkeit) on the item's property.")
class ResponsibilityInput:
    contact_external_id: str = strawberry.field(
        description="Contact number (Kontakt-Nr) of a contact stored in your tenant."
    )
    provider_type_name: str = strawberry.field(
        description=(
            "Provider type (Dienstleistertyp), e.g. 'Elektriker'. Matched by exact name, "
            "case included; an unknown name creates the type."
        )
    )


@strawberry.input(description="The complete list of responsibilities that a property should have.")
class PropertyResponsibilitiesInput:
    property_external_id: str = strawberry.field(
        description="Property number (Objekt-Nr) of a property stored in your tenant."
    )
    responsibilities: list[ResponsibilityInput] = strawberry.field(
        description=(
            "Every responsibility the property should have; stored ones missing here are "
            "removed, and an empty list removes all. A repeated entry counts once."
        )
    )

    def to_item(self) -> PropertyResponsibilities:
        entries = [
            ResponsibilityEntry(entry.contact_external_id, entry.provider_type_name)
            for entry in self.responsibilities
        ]
        return PropertyResponsibilities(self.property_external_id, entries)


@strawberry.type(description="Result of upsertContacts for one item.")
class ContactUpsertResult:
    index: int = strawberry.field(description="Position of the item in `items`, from 0.")
    external_id: str = strawberry.field(description="The item's contact number.")
    outcome: SyncOutcome = strawberry.field(description="Outcome of the item.")
    contact: Contact | None = strawberry.field(
        description=(
            "The contact as stored. Null when the item was rejected or the contact is archived."
        )
    )


@strawberry.type(description="Result of upsertProperties for one item.")
class PropertyUpsertResult:
    index: int = strawberry.field(description="Position of the item in `items`, from 0.")
    external_id: str = strawberry.field(description="The item's property number.")
    outcome: SyncOutcome = strawberry.field(description="Outcome of the item.")
    property: Property | None = strawberry.field(
        description="The property as stored. Null when the item was rejected."
    )


@strawberry.type(description="Result of setResponsibilities for one property's list.")
class ResponsibilitiesResult:
    index: int = strawberry.field(description="Position of the item in `items`, from 0.")
    property_external_id: str = strawberry.field(description="The item's property number.")
    outcome: SyncOutcome = strawberry.field(
        description="UPDATED when something was added or removed, else UNCHANGED or REJECTED."
    )
    property: Property | None = strawberry.field(
        description="The property. Null when the item was rejected."
    )
    added_count: int = strawberry.field(description="Responsibilities added to the property.")
    removed_count: int = strawberry.field(description="Responsibilities removed from the property.")
