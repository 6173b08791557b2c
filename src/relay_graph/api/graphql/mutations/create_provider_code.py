from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.errors import UserError, user_error
from relay_graph.api.graphql.ids import from_global_id
from relay_graph.api.graphql.types.contact import Contact
from relay_graph.domain.errors import DomainError
from relay_graph.services import queries
from relay_graph.services.invitations import create_provider_code


@strawberry.type(description="A one-time registration key for Relay (Dienstleistercode).")
class ProviderCode:
    code: str = strawberry.field(description="The code as two groups of five, e.g. '7KQ2M-XH4PD'.")
    expires_at: datetime = strawberry.field(description="When the code stops working.")
    created: bool = strawberry.field(
        description="true if this call created the code; false if a live one already existed."
    )


@strawberry.type(description="Result of createProviderCode.")
class CreateProviderCodePayload:
    contact: Contact | None = strawberry.field(description="The contact, now INVITED.")
    provider_code: ProviderCode | None = strawberry.field(description="The live code.")
    user_errors: list[UserError] = strawberry.field(description="Why no code exists, if so.")


async def resolve_create_provider_code(
    info: Info,
    contact_id: Annotated[
        strawberry.ID, strawberry.argument(description="Global ID of the contact.")
    ],
) -> CreateProviderCodePayload:
    context = info.context
    try:
        database_id = from_global_id(contact_id, "Contact", "contactId")
        result = await create_provider_code(
            context.uow, context.actor, database_id, context.invitation_settings, context.now
        )
    except DomainError as error:
        return CreateProviderCodePayload(
            contact=None,
            provider_code=None,
            user_errors=[user_error(error, context.language, client_id=contact_id)],
        )

    found = await queries.contacts_by_ids(context.uow, context.actor, [database_id], context.now)
    return CreateProviderCodePayload(
        contact=found.get(database_id),  # type: ignore[arg-type]
        provider_code=ProviderCode(
            code=result.code, expires_at=result.expires_at, created=result.created
        ),
        user_errors=[],
    )


create_provider_code_field = strawberry.mutation(
    resolver=resolve_create_provider_code,
    description=(
        "Create a provider code for a contact with category and valid email, and queue the "
        "invitation email in the same transaction. While a code is live, return it and send "
        "nothing (admins only)."
    ),
)
