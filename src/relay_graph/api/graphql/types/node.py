from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a global ID that `node(id:)` can fetch.")
class Node:
    id: strawberry.ID = strawberry.field(description="Global, opaque ID of the object.")
