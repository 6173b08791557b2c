"""Plain read models that the query side fills from the database and the API serializes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from relay_graph.domain.categories import RelayCategory
from relay_graph.domain.status import InviteSkipReason, RelayStatus


@dataclass(slots=True)
class PropertyView:
    id: int
    external_id: str | None
    name: str
    street: str | None
    postal_code: str | None
    city: str | None


@dataclass(slots=True)
class ProviderTypeView:
    id: int
    name: str
    category: RelayCategory | None
    contact_count: int = 0


@dataclass(slots=True)
class AssignmentView:
    property: PropertyView
    provider_type: ProviderTypeView


class DeliveryState(enum.StrEnum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"


@dataclass(slots=True)
class DeliveryView:
    """Delivery of one queued email; `problem` and `detail` describe the newest failure."""

    state: DeliveryState
    queued_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    problem: str | None
    detail: str | None


@dataclass(slots=True)
class RelayView:
    status: RelayStatus
    code: str | None
    invited_at: datetime | None
    expires_at: datetime | None
    registered_at: datetime | None
    delivery: DeliveryView | None = None


@dataclass(frozen=True, slots=True)
class QueuedEmail:
    """An outbox row claimed for sending, with the sender and recipient names it needs.

    It has either its rendered subject and bodies or the JSON values that its kind's
    templates are rendered with.
    """

    id: int
    tenant_id: int
    contact_id: int | None
    kind: str
    message_id: str
    recipient: str
    recipient_name: str | None
    language: str
    subject: str | None
    body_text: str | None
    body_html: str | None
    template_values: str | None
    created_at: datetime
    attempts: int
    sender_name: str
    reply_to: str | None


@dataclass(slots=True)
class ContactView:
    id: int
    external_id: str | None
    salutation: str | None
    first_name: str | None
    last_name: str | None
    company: str | None
    email: str | None
    email_valid: bool
    phone: str | None
    street: str | None
    postal_code: str | None
    city: str | None
    category: RelayCategory | None
    relay_status: RelayStatus
    relay: RelayView | None
    assignments: list[AssignmentView] = field(default_factory=list)


@dataclass(slots=True)
class NotInvitableView:
    contact: ContactView
    reason: InviteSkipReason
    uncategorised_types: list[ProviderTypeView] = field(default_factory=list)


class SortDirection(enum.StrEnum):
    ASC = "ASC"
    DESC = "DESC"


class ContactSortField(enum.StrEnum):
    NAME = "NAME"
    COMPANY = "COMPANY"
    EXTERNAL_ID = "EXTERNAL_ID"


@dataclass(frozen=True)
class ContactFilter:
    search: str | None = None
    category: RelayCategory | None = None
    relay_status: RelayStatus | None = None
    has_email: bool | None = None
    provider_type_id: int | None = None
    property_id: int | None = None


@dataclass(frozen=True)
class ContactOrder:
    field: ContactSortField = ContactSortField.NAME
    direction: SortDirection = SortDirection.ASC
