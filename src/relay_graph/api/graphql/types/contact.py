from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.api.graphql.types.email_delivery import EmailDelivery
from relay_graph.api.graphql.types.enums import RelayCategory, RelayStatus
from relay_graph.api.graphql.types.node import Node
from relay_graph.api.graphql.types.property import Property
from relay_graph.api.graphql.types.provider_type import ProviderType
from relay_graph.domain.read_models import ContactView


@strawberry.type(description="A contact's Relay section; present once the contact has a category.")
class RelayInfo:
    status: RelayStatus = strawberry.field(description="Relay status of the contact.")
    code: str | None = strawberry.field(
        description=(
            "The current provider code (Dienstleistercode), e.g. '7KQ2M-XH4PD': live, or "
            "expired and not yet replaced. Null once the provider registered, when no code "
            "was created, and for viewer tokens."
        )
    )
    invited_at: datetime | None = strawberry.field(
        description=(
            "When the current provider code was created; null once the provider registered "
            "or when no code was created."
        )
    )
    expires_at: datetime | None = strawberry.field(
        description=(
            "When the current provider code expires; null once the provider registered or "
            "when no code was created."
        )
    )
    registered_at: datetime | None = strawberry.field(
        description="When the provider registered on Relay."
    )
    delivery: EmailDelivery | None = strawberry.field(
        description=(
            "Delivery of the newest invitation email for the current provider code, which "
            "resendInvitation replaces by queuing a newer one. Null when there is no current "
            "code or no email for it; shown to viewers too."
        )
    )


@strawberry.type(description="A provider type that a contact holds on a property (Zuständigkeit).")
class ProviderAssignment:
    property: Property = strawberry.field(description="The property (Liegenschaft).")
    provider_type: ProviderType = strawberry.field(description="The provider type held there.")


@strawberry.type(description="A person or company the tenant keeps (Kontakt).")
class Contact(Node):
    external_id: str | None = strawberry.field(
        description="The ERP's contact number (Kontakt-Nr), if imported."
    )
    salutation: str | None = strawberry.field(description="Salutation (Anrede), e.g. 'Frau'.")
    first_name: str | None = strawberry.field(description="First name.")
    last_name: str | None = strawberry.field(description="Last name.")
    company: str | None = strawberry.field(description="Company (Firma).")
    email: str | None = strawberry.field(description="Email address as stored, valid or not.")
    email_valid: bool = strawberry.field(
        description="Whether `email` is a syntactically valid address (no DNS lookup)."
    )
    phone: str | None = strawberry.field(description="Phone number as stored.")
    street: str | None = strawberry.field(description="Street and house number.")
    postal_code: str | None = strawberry.field(description="Postal code (PLZ), kept as text.")
    city: str | None = strawberry.field(description="City (Ort).")
    category: RelayCategory | None = strawberry.field(
        description="Relay category (Dienstleisterkategorie); needed for an invitation."
    )
    relay_status: RelayStatus = strawberry.field(description="Relay status of the contact.")
    relay: RelayInfo | None = strawberry.field(
        description="Relay section; null while the contact has no category."
    )
    assignments: list[ProviderAssignment] = strawberry.field(
        description="Provider types the contact holds, and on which properties."
    )

    # mypy rejects this method in place of Node's id field, a dataclass field (misc), and
    # strawberry-graphql 0.341 types strawberry.field(...) with arguments as returning Any.
    @strawberry.field(description="Global, opaque ID of the contact.")  # type: ignore[misc, untyped-decorator]
    @staticmethod
    def id(root: ContactView) -> strawberry.ID:
        return to_global_id("Contact", root.id)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description=(
            "Name to show: first and last name, else company, else email; an empty string "
            "when the contact has none of them."
        )
    )
    @staticmethod
    def display_name(root: ContactView) -> str:
        person = " ".join(part for part in (root.first_name, root.last_name) if part)
        return person or root.company or root.email or ""

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, ContactView | cls)
