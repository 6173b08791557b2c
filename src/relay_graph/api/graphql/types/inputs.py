from __future__ import annotations

from typing import cast

import strawberry

from relay_graph.api.graphql.ids import from_global_id
from relay_graph.api.graphql.types.enums import (
    ContactSortField,
    RelayCategory,
    RelayStatus,
    SortDirection,
)
from relay_graph.domain import read_models
from relay_graph.domain.categories import RelayCategory as DomainCategory
from relay_graph.domain.search import search_text
from relay_graph.domain.status import RelayStatus as DomainStatus


@strawberry.input(description="Narrows the contact list; all given conditions must hold.")
class ContactFilter:
    search: str | None = strawberry.field(
        default=None,
        description=(
            "Words that must each occur in first name, last name, company, email or the ERP "
            "number; case-insensitive for ASCII letters. At most 10 words and 200 characters."
        ),
    )
    category: RelayCategory | None = strawberry.field(
        default=None, description="Only contacts with this Relay category."
    )
    relay_status: RelayStatus | None = strawberry.field(
        default=None, description="Only contacts with this Relay status."
    )
    has_email: bool | None = strawberry.field(
        default=None,
        description="true: only contacts with a valid address; false: missing or invalid ones.",
    )
    provider_type_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only contacts holding this provider type on some property."
    )
    property_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only contacts holding some provider type on this property."
    )

    def to_domain(self) -> read_models.ContactFilter:
        return read_models.ContactFilter(
            search=search_text(self.search, "filter.search"),
            # Strawberry types an enum value as its definition, but it is a str at run time.
            category=DomainCategory(cast(str, self.category.value)) if self.category else None,
            relay_status=(
                DomainStatus(cast(str, self.relay_status.value)) if self.relay_status else None
            ),
            has_email=self.has_email,
            provider_type_id=(
                from_global_id(self.provider_type_id, "ProviderType", "filter.providerTypeId")
                if self.provider_type_id is not None
                else None
            ),
            property_id=(
                from_global_id(self.property_id, "Property", "filter.propertyId")
                if self.property_id is not None
                else None
            ),
        )


@strawberry.input(description="Sort order of the contact list.")
class ContactOrder:
    field: ContactSortField = strawberry.field(
        default=ContactSortField.NAME, description="Sort key."
    )
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="Sort direction."
    )

    def to_domain(self) -> read_models.ContactOrder:
        return read_models.ContactOrder(
            # Strawberry types an enum value as its definition, but it is a str at run time.
            field=read_models.ContactSortField(cast(str, self.field.value)),
            direction=read_models.SortDirection(cast(str, self.direction.value)),
        )
