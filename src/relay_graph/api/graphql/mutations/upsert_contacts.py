from __future__ import annotations

from typing import Annotated

import strawberry

from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.errors import UserError, user_error
from relay_graph.api.graphql.selection import selects
from relay_graph.api.graphql.types.sync import (
    ContactInput,
    ContactUpsertResult,
    sync_outcome,
    sync_user_error,
)
from relay_graph.domain.errors import DomainError
from relay_graph.services import queries
from relay_graph.services.importing import MAX_SYNC_ITEMS, upsert_contacts


@strawberry.type(description="Result of upsertContacts.")
class UpsertContactsPayload:
    results: list[ContactUpsertResult] = strawberry.field(
        description="One result per item, in the order of `items`. Empty if the call failed."
    )
    user_errors: list[UserError] = strawberry.field(
        description=(
            'Problems, each with `field` naming the item and key, e.g. ["items", "3", '
            '"email"]. INVALID_EMAIL does not block its item; the others reject it.'
        )
    )


async def resolve_upsert_contacts(
    info: Info,
    items: Annotated[
        list[ContactInput],
        strawberry.argument(
            description=f"Contacts to create or update, at most {MAX_SYNC_ITEMS} per call."
        ),
    ],
) -> UpsertContactsPayload:
    context = info.context
    try:
        result = await upsert_contacts(
            context.uow, context.actor, [item.to_record() for item in items], context.now
        )
    except DomainError as error:
        return UpsertContactsPayload(results=[], user_errors=[user_error(error, context.language)])

    contacts = {}
    if selects(info, "results", "contact"):
        ids = [item.record_id for item in result.items if item.record_id is not None]
        contacts = await queries.contacts_by_ids(
            context.uow,
            context.actor,
            ids,
            context.now,
            with_assignments=selects(info, "results", "contact", "assignments"),
        )

    return UpsertContactsPayload(
        results=[
            ContactUpsertResult(
                index=item.index,
                external_id=item.external_id,
                outcome=sync_outcome(item.outcome),
                contact=contacts.get(item.record_id) if item.record_id else None,  # type: ignore[arg-type]
            )
            for item in result.items
        ],
        user_errors=[sync_user_error(error, context.language) for error in result.errors],
    )


upsert_contacts_field = strawberry.mutation(
    resolver=resolve_upsert_contacts,
    description=(
        "Partner sync: create or update contacts by their ERP number in one transaction "
        f"(admins only; at most {MAX_SYNC_ITEMS} items, more is TOO_MANY_ITEMS and writes "
        "nothing). Each item gets its own outcome; rejected items do not stop the others. "
        "An invalid email is stored with `emailValid` false and reported as INVALID_EMAIL."
    ),
)
