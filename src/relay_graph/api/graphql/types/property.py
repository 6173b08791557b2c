from __future__ import annotations

from typing import Any

import strawberry

from relay_graph.api.graphql.ids import to_global_id
from relay_graph.api.graphql.types.node import Node
from relay_graph.domain.read_models import PropertyView


@strawberry.type(description="A building or estate the tenant manages (Liegenschaft).")
class Property(Node):
    external_id: str | None = strawberry.field(
        description="The ERP's property number (Objekt-Nr), if imported."
    )
    name: str = strawberry.field(description="Name of the property (Bezeichnung).")
    street: str | None = strawberry.field(description="Street and house number.")
    postal_code: str | None = strawberry.field(description="Postal code (PLZ), kept as text.")
    city: str | None = strawberry.field(description="City (Ort).")

    # mypy rejects this method in place of Node's id field, a dataclass field (misc), and
    # strawberry-graphql 0.341 types strawberry.field(...) with arguments as returning Any.
    @strawberry.field(description="Global, opaque ID of the property.")  # type: ignore[misc, untyped-decorator]
    @staticmethod
    def id(root: PropertyView) -> strawberry.ID:
        return to_global_id("Property", root.id)

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, PropertyView | cls)
