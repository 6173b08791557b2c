from __future__ import annotations

from typing import Annotated

import strawberry

from relay_graph.api.graphql.arguments import After, Before, First, Last, page_request
from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.errors import client_errors
from relay_graph.api.graphql.selection import selects
from relay_graph.api.graphql.types.enums import RelayCategory
from relay_graph.api.graphql.types.pagination import Connection, to_connection
from relay_graph.api.graphql.types.property import Property
from relay_graph.api.graphql.types.provider_type import ProviderType
from relay_graph.domain.categories import CATEGORY_LABELS
from relay_graph.domain.categories import RelayCategory as DomainCategory
from relay_graph.domain.search import search_text
from relay_graph.services import queries


async def resolve_properties(
    info: Info,
    search: Annotated[
        str | None,
        strawberry.argument(
            description=(
                "Text in name, street, city or ERP number; at most 10 words and 200 characters."
            )
        ),
    ] = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[Property]:
    context = info.context
    with client_errors(context.language):
        listing = await queries.list_properties(
            context.uow,
            context.actor,
            search_text(search, "search"),
            page_request(first, after, last, before),
            with_total=selects(info, "totalCount"),
        )
    return to_connection(listing.page, listing.total_count)  # type: ignore[arg-type]


async def resolve_provider_types(
    info: Info,
    category_linked: Annotated[
        bool | None,
        strawberry.argument(
            description="true: only types linked to a category; false: only unlinked ones."
        ),
    ] = None,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[ProviderType]:
    context = info.context
    with client_errors(context.language):
        listing = await queries.list_provider_types(
            context.uow,
            context.actor,
            category_linked,
            page_request(first, after, last, before),
            with_total=selects(info, "totalCount"),
        )
    return to_connection(listing.page, listing.total_count)  # type: ignore[arg-type]


@strawberry.type(description="A Relay category with its labels.")
class RelayCategoryInfo:
    value: RelayCategory = strawberry.field(description="Enum value to send in mutations.")
    label_de: str = strawberry.field(description="German label, e.g. 'Handwerker'.")
    label_en: str = strawberry.field(description="English label, e.g. 'Tradesperson'.")
    label: str = strawberry.field(description="Label in the request's language.")


def resolve_relay_categories(info: Info) -> list[RelayCategoryInfo]:
    language = info.context.language
    return [
        RelayCategoryInfo(
            value=RelayCategory(category.value),
            label_de=CATEGORY_LABELS[category]["de"],
            label_en=CATEGORY_LABELS[category]["en"],
            label=CATEGORY_LABELS[category][language],
        )
        for category in DomainCategory
    ]


properties_field = strawberry.field(
    resolver=resolve_properties, description="Properties (Liegenschaften) of your tenant, by name."
)
provider_types_field = strawberry.field(
    resolver=resolve_provider_types,
    description="Provider types (Dienstleistertypen) of your tenant, by name.",
)
relay_categories_field = strawberry.field(
    resolver=resolve_relay_categories,
    description="Relay's category catalogue with German and English labels.",
)
