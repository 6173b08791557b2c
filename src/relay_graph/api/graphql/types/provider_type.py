from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry

from relay_graph.api.graphql.context import Context
from relay_graph.api.graphql.ids import to_global_id
from relay_graph.api.graphql.types.enums import RelayCategory
from relay_graph.api.graphql.types.node import Node
from relay_graph.domain.read_models import ContactView, ProviderTypeView
from relay_graph.services import queries


@strawberry.type(
    description="The tenant's own label for a trade (Dienstleistertyp), e.g. 'Elektriker'."
)
class ProviderType(Node):
    name: str = strawberry.field(description="Name of the type.")
    category: RelayCategory | None = strawberry.field(
        description=(
            "Relay category linked to the type; holders of the type get it. Null if not linked."
        )
    )
    contact_count: int = strawberry.field(
        description="Number of contacts (not archived) holding the type on at least one property."
    )

    # mypy rejects this method in place of Node's id field, a dataclass field (misc), and
    # strawberry-graphql 0.341 types strawberry.field(...) with arguments as returning Any.
    @strawberry.field(description="Global, opaque ID of the provider type.")  # type: ignore[misc, untyped-decorator]
    @staticmethod
    def id(root: ProviderTypeView) -> strawberry.ID:
        return to_global_id("ProviderType", root.id)

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, ProviderTypeView | cls)


def held_types(contacts: Iterable[ContactView]) -> list[ProviderTypeView]:
    return [item.provider_type for contact in contacts for item in contact.assignments]


async def load_contact_counts(context: Context, provider_types: Iterable[ProviderTypeView]) -> None:
    """Set `contact_count` on provider types that were read without it, with one select.

    The reads of a contact's assignments and of the uncategorised types leave the count out,
    because counting the holders of a type that most contacts hold costs more than the rest
    of the page. Resolvers call this only when the client selects `contactCount` there.
    TODO: mutation payloads that return contacts do not call this yet, so `contactCount`
    under their assignments stays 0.
    """
    views = list(provider_types)
    if not views:
        return

    type_ids = sorted({view.id for view in views})
    counted = await queries.provider_types_by_ids(context.uow, context.actor, type_ids)
    for view in views:
        if view.id in counted:
            view.contact_count = counted[view.id].contact_count
