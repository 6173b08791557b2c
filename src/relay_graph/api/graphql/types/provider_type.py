from __future__ import annotations

from typing import Any

import strawberry

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.api.graphql.types.enums import RelayCategory
from relay_graph.api.graphql.types.node import Node
from relay_graph.domain.read_models import ProviderTypeView


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

    @strawberry.field(description="Global, opaque ID of the provider type.")
    @staticmethod
    def id(root: ProviderTypeView) -> strawberry.ID:
        return to_global_id("ProviderType", root.id)

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, ProviderTypeView | cls)
