from __future__ import annotations

from typing import Annotated

import strawberry

from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.errors import UserError, user_error
from relay_graph.api.graphql.types.contact import Contact
from relay_graph.domain.errors import DomainError
from relay_graph.services import queries
from relay_graph.services.invitations import redeem_provider_code


@strawberry.type(description="Result of redeemProviderCode.")
class RedeemProviderCodePayload:
    contact: Contact | None = strawberry.field(description="The contact, now REGISTERED.")
    user_errors: list[UserError] = strawberry.field(description="Why the code was not accepted.")


async def resolve_redeem_provider_code(
    info: Info,
    code: Annotated[
        str,
        strawberry.argument(
            description=(
                "The code as entered; case, spaces and hyphens are ignored, O reads as 0, "
                "I and L as 1."
            )
        ),
    ],
) -> RedeemProviderCodePayload:
    context = info.context
    try:
        contact_id = await redeem_provider_code(context.uow, context.actor, code, context.now)
    except DomainError as error:
        return RedeemProviderCodePayload(
            contact=None, user_errors=[user_error(error, context.language)]
        )

    found = await queries.contacts_by_ids(context.uow, context.actor, [contact_id], context.now)
    return RedeemProviderCodePayload(contact=found.get(contact_id), user_errors=[])  # type: ignore[arg-type]


# TODO: Relay's registration calls this with a tenant's admin token; a platform token
# that may redeem codes of every tenant does not exist yet.
redeem_provider_code_field = strawberry.mutation(
    resolver=resolve_redeem_provider_code,
    description=(
        "Register the provider behind a live code of your tenant, as Relay does when the "
        "provider signs up; the code cannot be used again (admins only)."
    ),
)
