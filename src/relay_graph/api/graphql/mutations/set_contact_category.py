from __future__ import annotations

from typing import Annotated, cast

import strawberry

from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.errors import UserError, user_error
from relay_graph.api.graphql.ids import from_global_id
from relay_graph.api.graphql.types.contact import Contact
from relay_graph.api.graphql.types.enums import RelayCategory
from relay_graph.domain.categories import RelayCategory as DomainCategory
from relay_graph.domain.errors import DomainError
from relay_graph.services import queries
from relay_graph.services.categories import set_contact_category


@strawberry.type(description="Result of setContactCategory.")
class SetContactCategoryPayload:
    contact: Contact | None = strawberry.field(description="The contact after the change.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")


async def resolve_set_contact_category(
    info: Info,
    contact_id: Annotated[
        strawberry.ID, strawberry.argument(description="Global ID of the contact.")
    ],
    category: Annotated[
        RelayCategory | None,
        strawberry.argument(description="Category to set; null or omitted clears it."),
    ] = None,
) -> SetContactCategoryPayload:
    context = info.context
    try:
        database_id = from_global_id(contact_id, "Contact", "contactId")
        await set_contact_category(
            context.uow,
            context.actor,
            database_id,
            # Strawberry types an enum value as its definition, but it is a str at run time.
            DomainCategory(cast(str, category.value)) if category else None,
            context.now,
        )
    except DomainError as error:
        return SetContactCategoryPayload(
            contact=None, user_errors=[user_error(error, context.language, client_id=contact_id)]
        )

    found = await queries.contacts_by_ids(context.uow, context.actor, [database_id], context.now)
    return SetContactCategoryPayload(contact=found.get(database_id), user_errors=[])  # type: ignore[arg-type]


set_contact_category_field = strawberry.mutation(
    resolver=resolve_set_contact_category,
    description="Set or clear the Relay category of one contact (admins only).",
)
