from __future__ import annotations

from typing import Annotated

import strawberry

from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.errors import UserError, user_error
from relay_graph.api.graphql.selection import selects
from relay_graph.api.graphql.types.sync import (
    PropertyInput,
    PropertyUpsertResult,
    sync_outcome,
    sync_user_error,
)
from relay_graph.domain.errors import DomainError
from relay_graph.services import queries
from relay_graph.services.importing import MAX_SYNC_ITEMS, upsert_properties


@strawberry.type(description="Result of upsertProperties.")
class UpsertPropertiesPayload:
    results: list[PropertyUpsertResult] = strawberry.field(
        description="One result per item, in the order of `items`. Empty if the call failed."
    )
    user_errors: list[UserError] = strawberry.field(
        description=(
            'Problems, each with `field` naming the item and key, e.g. ["items", "3", '
            '"postalCode"]. Each rejects its item.'
        )
    )


async def resolve_upsert_properties(
    info: Info,
    items: Annotated[
        list[PropertyInput],
        strawberry.argument(
            description=f"Properties to create or update, at most {MAX_SYNC_ITEMS} per call."
        ),
    ],
) -> UpsertPropertiesPayload:
    context = info.context
    try:
        result = await upsert_properties(
            context.uow, context.actor, [item.to_record() for item in items], context.now
        )
    except DomainError as error:
        return UpsertPropertiesPayload(
            results=[], user_errors=[user_error(error, context.language)]
        )

    properties = {}
    if selects(info, "results", "property"):
        ids = [item.record_id for item in result.items if item.record_id is not None]
        properties = await queries.properties_by_ids(context.uow, context.actor, ids)

    return UpsertPropertiesPayload(
        results=[
            PropertyUpsertResult(
                index=item.index,
                external_id=item.external_id,
                outcome=sync_outcome(item.outcome),
                property=properties.get(item.record_id) if item.record_id else None,  # type: ignore[arg-type]
            )
            for item in result.items
        ],
        user_errors=[sync_user_error(error, context.language) for error in result.errors],
    )


upsert_properties_field = strawberry.mutation(
    resolver=resolve_upsert_properties,
    description=(
        "Partner sync: create or update properties by their ERP number in one transaction "
        f"(admins only; at most {MAX_SYNC_ITEMS} items, more is TOO_MANY_ITEMS and writes "
        "nothing). Each item gets its own outcome; rejected items do not stop the others."
    ),
)
