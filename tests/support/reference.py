"""Expected `data` of read documents, computed without the API's SQL.

The tenant's rows come from the ORM, and every list is filtered, sorted and paged in plain
Python by the rules that schema.graphql and the domain state. graphql-core then executes
the client's document against schema.graphql over these plain values, so fragments,
aliases, variables and field merging work as in any GraphQL server.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from graphql import GraphQLEnumType, GraphQLSchema, build_schema, graphql
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from relay_graph.api.graphql.ids import parse_global_id, to_global_id
from relay_graph.db.models import (
    CODE_ACTIVE,
    OUTBOX_FAILED,
    OUTBOX_SENT,
    Assignment,
    Contact,
    EmailOutbox,
    Property,
    ProviderCode,
    ProviderType,
)
from relay_graph.domain.email import is_valid_email
from relay_graph.domain.pagination import DEFAULT_PAGE_SIZE, decode_cursor, encode_cursor
from relay_graph.domain.status import (
    INVITABLE_STATUSES,
    InviteSkipReason,
    RelayStatus,
    derive_relay_status,
)

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"

# Search is case-insensitive for ASCII letters only, as the schema states, because SQLite's
# lower() folds no others. PostgreSQL's ILIKE folds umlauts too, so the cases avoid them in
# different case.
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

T = TypeVar("T")
Json = dict[str, Any]
SortKey = tuple[str | int, ...]


@cache
def published_schema() -> GraphQLSchema:
    return build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))


def enum_names(type_name: str) -> frozenset[str]:
    enum_type = published_schema().type_map[type_name]
    assert isinstance(enum_type, GraphQLEnumType), f"{type_name} is not an enum"
    return frozenset(enum_type.values)


@dataclass(frozen=True)
class TenantRows:
    """Every stored row of one tenant, archived contacts included."""

    contacts: Sequence[Contact]
    codes: Sequence[ProviderCode]
    assignments: Sequence[Assignment]
    properties: Sequence[Property]
    provider_types: Sequence[ProviderType]
    emails: Sequence[EmailOutbox]


async def load_tenant_rows(
    sessions: async_sessionmaker[AsyncSession], tenant_id: int
) -> TenantRows:
    async with sessions() as session:

        async def rows_of(model: Any) -> list[Any]:
            result = await session.scalars(select(model).where(model.tenant_id == tenant_id))
            return list(result.all())

        return TenantRows(
            contacts=await rows_of(Contact),
            codes=await rows_of(ProviderCode),
            assignments=await rows_of(Assignment),
            properties=await rows_of(Property),
            provider_types=await rows_of(ProviderType),
            emails=await rows_of(EmailOutbox),
        )


def coalesce(*values: str | None) -> str:
    """Return the first value that is not None, or '' like SQL's coalesce(..., '')."""
    return next((value for value in values if value is not None), "")


def contact_sort_key(contact: Contact, field: str) -> SortKey:
    if field == "COMPANY":
        return (coalesce(contact.company), coalesce(contact.last_name), contact.id)
    if field == "EXTERNAL_ID":
        return (coalesce(contact.external_id), contact.id)
    return (coalesce(contact.last_name, contact.company), coalesce(contact.first_name), contact.id)


def name_sort_key(row: Property | ProviderType) -> SortKey:
    return (row.name, row.id)


def contains_folded(haystack: str | None, needle: str) -> bool:
    return haystack is not None and needle.translate(ASCII_LOWER) in haystack.translate(ASCII_LOWER)


def iso(value: datetime | None) -> str | None:
    # Strawberry serializes DateTime with datetime.isoformat().
    return None if value is None else value.isoformat()


def page(
    items: Sequence[T],
    key: Callable[[T], SortKey],
    to_node: Callable[[T], Any],
    arguments: dict[str, Any],
    *,
    descending: bool = False,
) -> Json:
    """Cut one page out of a list and describe it as the schema's connection types do."""
    ordered = sorted(items, key=key, reverse=descending)
    first, last = arguments.get("first"), arguments.get("last")
    after, before = arguments.get("after"), arguments.get("before")
    key_length = len(key(ordered[0])) if ordered else 0
    after_key = tuple(decode_cursor(after, key_length, "after")) if after and ordered else None
    before_key = tuple(decode_cursor(before, key_length, "before")) if before and ordered else None

    def precedes(left: SortKey, right: SortKey) -> bool:
        return left > right if descending else left < right

    window = [
        item
        for item in ordered
        if (after_key is None or precedes(after_key, key(item)))
        and (before_key is None or precedes(key(item), before_key))
    ]
    backward = last is not None or (before is not None and first is None)
    requested = last if backward else first
    size = DEFAULT_PAGE_SIZE if requested is None else requested
    page_items = window[max(0, len(window) - size) :] if backward else window[:size]

    # PageInfo states whether the whole list has items before or after this page, so the
    # item that a cursor names counts as well.
    # NOTE: the API sets hasPreviousPage of a forward page (and hasNextPage of a backward
    # one) from the presence of the cursor alone. Both agree for cursors of items that are
    # still in the list, which is what the cases pass.
    if page_items:
        has_previous = ordered.index(page_items[0]) > 0
        has_next = ordered.index(page_items[-1]) < len(ordered) - 1
    elif backward:
        # An empty backward page sits right before `before`, or at the end of the list.
        has_previous = any(
            before_key is None or precedes(key(item), before_key) for item in ordered
        )
        has_next = before_key is not None and any(
            not precedes(key(item), before_key) for item in ordered
        )
    else:
        # An empty forward page sits right after `after`, or at the start of the list.
        has_previous = after_key is not None and any(
            not precedes(after_key, key(item)) for item in ordered
        )
        has_next = any(after_key is None or precedes(after_key, key(item)) for item in ordered)

    cursors = [encode_cursor(list(key(item))) for item in page_items]
    nodes = [to_node(item) for item in page_items]
    return {
        "edges": [
            {"cursor": cursor, "node": node} for cursor, node in zip(cursors, nodes, strict=True)
        ],
        "nodes": nodes,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
        "totalCount": len(ordered),
    }


class ReferenceApi:
    """Resolve read documents for one tenant and one token role over loaded rows."""

    def __init__(self, rows: TenantRows, now: datetime, *, admin: bool) -> None:
        self.rows = rows
        self.now = now
        self.admin = admin
        self.contacts = [contact for contact in rows.contacts if contact.archived_at is None]
        self.active_codes = {
            code.contact_id: code for code in rows.codes if code.state == CODE_ACTIVE
        }
        self.properties = {prop.id: prop for prop in rows.properties}
        self.provider_types = {
            provider_type.id: provider_type for provider_type in rows.provider_types
        }

    async def execute(self, document: str, variables: dict[str, Any]) -> Json:
        result = await graphql(
            published_schema(), document, root_value=self.query_root(), variable_values=variables
        )
        assert not result.errors, f"the reference failed to resolve the document: {result.errors}"
        assert result.data is not None
        return result.data

    def query_root(self) -> Json:
        return {
            "node": lambda _info, **arguments: self.node(arguments["id"]),
            "nodes": lambda _info, ids: [self.node(value) for value in ids],
            "contact": lambda _info, **arguments: self.contact_by_id(arguments["id"]),
            "contacts": lambda _info, **arguments: self.contact_page(**arguments),
            "properties": lambda _info, **arguments: self.property_page(**arguments),
            "providerTypes": lambda _info, **arguments: self.provider_type_page(**arguments),
            "relaySettings": self.relay_settings(),
        }

    # -- Relay status and invite-all rules --------------------------------------------------

    def status(self, contact: Contact) -> RelayStatus:
        code = self.active_codes.get(contact.id)
        return derive_relay_status(
            has_category=contact.category is not None,
            email_valid=is_valid_email(contact.email),
            registered=contact.registered_at is not None,
            active_code_expires_at=code.expires_at if code else None,
            now=self.now,
        )

    def is_provider(self, contact: Contact) -> bool:
        return contact.category is not None or bool(self.assignments_of(contact))

    def skip_reason(self, contact: Contact) -> InviteSkipReason | None:
        status = self.status(contact)
        if status in INVITABLE_STATUSES:
            return None
        if status is RelayStatus.INVITED:
            return InviteSkipReason.ALREADY_INVITED
        if status is RelayStatus.NO_EMAIL:
            return (
                InviteSkipReason.NO_EMAIL if not contact.email else InviteSkipReason.INVALID_EMAIL
            )
        return InviteSkipReason(status.value)

    # -- Objects ----------------------------------------------------------------------------

    def contact_by_id(self, value: str) -> Json | None:
        parsed = parse_global_id(value)
        assert parsed is not None and parsed[0] == "Contact", f"not a Contact ID: {value!r}"
        return self.node(value)

    def node(self, value: str) -> Json | None:
        parsed = parse_global_id(value)
        if parsed is None:
            return None
        type_name, database_id = parsed
        if type_name == "Contact":
            found = next((contact for contact in self.contacts if contact.id == database_id), None)
            return self.contact_json(found) if found else None
        if type_name == "Property":
            prop = self.properties.get(database_id)
            return self.property_json(prop) if prop else None
        if type_name == "ProviderType":
            provider_type = self.provider_types.get(database_id)
            return self.provider_type_json(provider_type) if provider_type else None
        return None

    def assignments_of(self, contact: Contact) -> list[Assignment]:
        return [item for item in self.rows.assignments if item.contact_id == contact.id]

    def contact_json(self, contact: Contact) -> Json:
        person = " ".join(part for part in (contact.first_name, contact.last_name) if part)
        # The schema leaves the order of assignments open, and the API sorts them by property
        # name, then provider type name.
        assignments = sorted(
            self.assignments_of(contact),
            key=lambda item: (
                self.properties[item.property_id].name,
                self.provider_types[item.provider_type_id].name,
                item.id,
            ),
        )
        return {
            "__typename": "Contact",
            "id": to_global_id("Contact", contact.id),
            "externalId": contact.external_id,
            "salutation": contact.salutation,
            "firstName": contact.first_name,
            "lastName": contact.last_name,
            "company": contact.company,
            "email": contact.email,
            "emailValid": is_valid_email(contact.email),
            "phone": contact.phone,
            "street": contact.street,
            "postalCode": contact.postal_code,
            "city": contact.city,
            "category": contact.category,
            "relayStatus": self.status(contact).value,
            "relay": self.relay_json(contact),
            "assignments": [
                {
                    "property": self.property_json(self.properties[item.property_id]),
                    "providerType": self.provider_type_json(
                        self.provider_types[item.provider_type_id]
                    ),
                }
                for item in assignments
            ],
            "displayName": person or contact.company or contact.email or "",
        }

    def relay_json(self, contact: Contact) -> Json | None:
        if contact.category is None:
            return None

        # The current code is the ACTIVE one, live or expired, and a registered provider has
        # none. Viewers see its dates and delivery but never the code itself.
        code = self.active_codes.get(contact.id) if contact.registered_at is None else None
        return {
            "status": self.status(contact).value,
            "code": code.code if code and self.admin else None,
            "invitedAt": iso(code.created_at) if code else None,
            "expiresAt": iso(code.expires_at) if code else None,
            "registeredAt": iso(contact.registered_at),
            "delivery": self.delivery_json(code) if code else None,
        }

    def delivery_json(self, code: ProviderCode) -> Json | None:
        emails = [email for email in self.rows.emails if email.provider_code_id == code.id]
        if not emails:
            return None

        # Outbox ids grow with each queued email, so the highest id is the newest email.
        newest = max(emails, key=lambda email: email.id)
        state = newest.status if newest.status in (OUTBOX_SENT, OUTBOX_FAILED) else "QUEUED"
        problem = newest.last_error_code
        if problem is not None and problem not in enum_names("EmailDeliveryProblem"):
            # The API shows a stored code that the enum lacks as INTERNAL_ERROR.
            problem = "INTERNAL_ERROR"
        return {
            "queuedAt": iso(newest.created_at),
            "attempts": newest.attempts,
            "sentAt": iso(newest.sent_at) if state == "SENT" else None,
            "nextAttemptAt": iso(newest.next_attempt_at) if state == "QUEUED" else None,
            "state": state,
            "problem": None if state == "SENT" else problem,
        }

    def property_json(self, prop: Property) -> Json:
        return {
            "__typename": "Property",
            "id": to_global_id("Property", prop.id),
            "externalId": prop.external_id,
            "name": prop.name,
            "street": prop.street,
            "postalCode": prop.postal_code,
            "city": prop.city,
        }

    def provider_type_json(self, provider_type: ProviderType) -> Json:
        holders = {
            item.contact_id
            for item in self.rows.assignments
            if item.provider_type_id == provider_type.id
        }
        return {
            "__typename": "ProviderType",
            "id": to_global_id("ProviderType", provider_type.id),
            "name": provider_type.name,
            "category": provider_type.category,
            "contactCount": sum(1 for contact in self.contacts if contact.id in holders),
        }

    # -- Lists ------------------------------------------------------------------------------

    def contact_page(self, **arguments: Any) -> Json:
        contact_filter = arguments.get("filter") or {}
        order = arguments.get("orderBy") or {}
        field = order.get("field", "NAME")
        matching = [contact for contact in self.contacts if self.matches(contact, contact_filter)]
        return page(
            matching,
            lambda contact: contact_sort_key(contact, field),
            self.contact_json,
            arguments,
            descending=order.get("direction") == "DESC",
        )

    def matches(self, contact: Contact, contact_filter: dict[str, Any]) -> bool:
        search = (contact_filter.get("search") or "").strip()
        searched = (
            contact.first_name,
            contact.last_name,
            contact.company,
            contact.email,
            contact.external_id,
        )
        held_assignments = self.assignments_of(contact)
        conditions = [
            all(any(contains_folded(value, word) for value in searched) for word in search.split()),
            contact_filter.get("category") in (None, contact.category),
            contact_filter.get("relayStatus") in (None, self.status(contact).value),
            contact_filter.get("hasEmail") in (None, is_valid_email(contact.email)),
        ]
        type_id = contact_filter.get("providerTypeId")
        if type_id is not None:
            conditions.append(
                any(
                    to_global_id("ProviderType", item.provider_type_id) == type_id
                    for item in held_assignments
                )
            )
        property_id = contact_filter.get("propertyId")
        if property_id is not None:
            conditions.append(
                any(
                    to_global_id("Property", item.property_id) == property_id
                    for item in held_assignments
                )
            )
        return all(conditions)

    def property_page(self, **arguments: Any) -> Json:
        # One text, not split into words, matched in name, street, city or ERP number.
        search = (arguments.get("search") or "").strip()
        matching = [
            prop
            for prop in self.rows.properties
            if any(
                contains_folded(value, search)
                for value in (prop.name, prop.street, prop.city, prop.external_id)
            )
        ]
        return page(matching, name_sort_key, self.property_json, arguments)

    def provider_type_page(self, **arguments: Any) -> Json:
        linked = arguments.get("categoryLinked")
        matching = [
            provider_type
            for provider_type in self.rows.provider_types
            if linked is None or (provider_type.category is not None) is linked
        ]
        return page(matching, name_sort_key, self.provider_type_json, arguments)

    def relay_settings(self) -> Json:
        return {
            "statusCounts": [
                {
                    "status": status.value,
                    "count": sum(1 for c in self.contacts if self.status(c) is status),
                }
                for status in RelayStatus
            ],
            "invitePreview": self.invite_preview(),
        }

    def invite_preview(self) -> Json:
        providers = [contact for contact in self.contacts if self.is_provider(contact)]
        eligible = [contact for contact in providers if self.skip_reason(contact) is None]
        skipped = [contact for contact in providers if self.skip_reason(contact) is not None]

        def by_name(contact: Contact) -> SortKey:
            return contact_sort_key(contact, "NAME")

        def not_invitable(_info: Any, **arguments: Any) -> Json:
            reason = arguments.get("reason")
            chosen = [c for c in skipped if reason in (None, self.skip_reason(c))]
            return page(chosen, by_name, self.not_invitable_json, arguments)

        return {
            "eligibleCount": len(eligible),
            "skipped": [
                {
                    "reason": reason.value,
                    "count": sum(1 for c in skipped if self.skip_reason(c) is reason),
                }
                for reason in InviteSkipReason
            ],
            "eligible": lambda _info, **arguments: page(
                eligible, by_name, self.contact_json, arguments
            ),
            "notInvitable": not_invitable,
        }

    def not_invitable_json(self, contact: Contact) -> Json:
        reason = self.skip_reason(contact)
        uncategorised: dict[int, ProviderType] = {}
        if reason is InviteSkipReason.NO_CATEGORY:
            for item in self.assignments_of(contact):
                provider_type = self.provider_types[item.provider_type_id]
                if provider_type.category is None:
                    uncategorised[provider_type.id] = provider_type
        return {
            "contact": self.contact_json(contact),
            "reason": reason.value if reason else None,
            "uncategorisedProviderTypes": [
                self.provider_type_json(provider_type)
                for provider_type in sorted(uncategorised.values(), key=name_sort_key)
            ],
        }
