from __future__ import annotations

from typing import Annotated, cast

import strawberry

from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.errors import UserError, user_error
from relay_graph.api.graphql.ids import from_global_id
from relay_graph.api.graphql.types.enums import RelayCategory
from relay_graph.api.graphql.types.provider_type import ProviderType
from relay_graph.domain.categories import RelayCategory as DomainCategory
from relay_graph.domain.errors import DomainError
from relay_graph.services import queries
from relay_graph.services.categories import link_type_category


@strawberry.type(description="Result of linkTypeCategory.")
class LinkTypeCategoryPayload:
    provider_type: ProviderType | None = strawberry.field(description="The type after the change.")
    updated_contacts_count: int = strawberry.field(
        description="Contacts whose category changed; 0 when unlinking."
    )
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")


async def resolve_link_type_category(
    info: Info,
    provider_type_id: Annotated[
        strawberry.ID, strawberry.argument(description="Global ID of the provider type.")
    ],
    category: Annotated[
        RelayCategory | None,
        strawberry.argument(
            description=(
                "Category to link. Every contact holding the type on at least one property "
                "gets it, overwriting its own. Null or omitted removes the link and changes "
                "no contact."
            )
        ),
    ] = None,
) -> LinkTypeCategoryPayload:
    context = info.context
    try:
        database_id = from_global_id(provider_type_id, "ProviderType", "providerTypeId")
        result = await link_type_category(
            context.uow,
            context.actor,
            database_id,
            # Strawberry types an enum value as its definition, but it is a str at run time.
            DomainCategory(cast(str, category.value)) if category else None,
            context.now,
        )
    except DomainError as error:
        return LinkTypeCategoryPayload(
            provider_type=None,
            updated_contacts_count=0,
            user_errors=[user_error(error, context.language, client_id=provider_type_id)],
        )

    found = await queries.provider_types_by_ids(context.uow, context.actor, [database_id])
    return LinkTypeCategoryPayload(
        provider_type=found.get(database_id),  # type: ignore[arg-type]
        updated_contacts_count=result.updated_contacts_count,
        user_errors=[],
    )


link_type_category_field = strawberry.mutation(
    resolver=resolve_link_type_category,
    description="Link a provider type to a Relay category, or unlink it (admins only).",
)
