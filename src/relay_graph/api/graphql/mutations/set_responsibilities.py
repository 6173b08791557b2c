from __future__ import annotations

from typing import Annotated

import strawberry

from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.errors import UserError, user_error
from relay_graph.api.graphql.selection import selects
from relay_graph.api.graphql.types.sync import (
    PropertyResponsibilitiesInput,
    ResponsibilitiesResult,
    sync_outcome,
    sync_user_error,
)
from relay_graph.domain.errors import DomainError
from relay_graph.services import queries
from relay_graph.services.importing import MAX_SYNC_ITEMS, set_responsibilities


@strawberry.type(description="Result of setResponsibilities.")
class SetResponsibilitiesPayload:
    results: list[ResponsibilitiesResult] = strawberry.field(
        description="One result per item, in the order of `items`. Empty if the call failed."
    )
    categorized_contacts_count: int = strawberry.field(
        description=(
            "Contacts without a category that took the category of a newly held provider "
            "type linked to one."
        )
    )
    user_errors: list[UserError] = strawberry.field(
        description=(
            'Problems, each with `field` naming the item and key, e.g. ["items", "3", '
            '"responsibilities", "0", "contactExternalId"]. Each rejects its item.'
        )
    )


async def resolve_set_responsibilities(
    info: Info,
    items: Annotated[
        list[PropertyResponsibilitiesInput],
        strawberry.argument(
            description=f"One list per property, at most {MAX_SYNC_ITEMS} properties per call."
        ),
    ],
) -> SetResponsibilitiesPayload:
    context = info.context
    try:
        result = await set_responsibilities(
            context.uow, context.actor, [item.to_item() for item in items], context.now
        )
    except DomainError as error:
        return SetResponsibilitiesPayload(
            results=[],
            categorized_contacts_count=0,
            user_errors=[user_error(error, context.language)],
        )

    properties = {}
    if selects(info, "results", "property"):
        ids = [item.record_id for item in result.items if item.record_id is not None]
        properties = await queries.properties_by_ids(context.uow, context.actor, ids)

    return SetResponsibilitiesPayload(
        results=[
            ResponsibilitiesResult(
                index=item.index,
                property_external_id=item.external_id,
                outcome=sync_outcome(item.outcome),
                property=properties.get(item.record_id) if item.record_id else None,  # type: ignore[arg-type]
                added_count=item.added,
                removed_count=item.removed,
            )
            for item in result.items
        ],
        categorized_contacts_count=result.categorized_contacts,
        user_errors=[sync_user_error(error, context.language) for error in result.errors],
    )


set_responsibilities_field = strawberry.mutation(
    resolver=resolve_set_responsibilities,
    description=(
        "Partner sync: replace the responsibilities (Zuständigkeiten) of each given property "
        "with the list sent, in one transaction (admins only; at most "
        f"{MAX_SYNC_ITEMS} properties, more is TOO_MANY_ITEMS and writes nothing). A list "
        "with an unknown property or contact changes nothing on its property. Unknown "
        "provider type names create the type, and a contact without a category takes the "
        "category linked to a provider type it newly holds."
    ),
)
