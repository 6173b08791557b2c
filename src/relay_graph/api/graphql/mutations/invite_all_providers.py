from __future__ import annotations

import strawberry

from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.errors import UserError, user_error
from relay_graph.api.graphql.types.enums import InviteSkipReason
from relay_graph.api.graphql.types.relay_settings import SkipReasonCount
from relay_graph.domain.errors import DomainError
from relay_graph.services.invitations import invite_all_providers


@strawberry.type(description="Result of inviteAllProviders.")
class InviteAllProvidersPayload:
    invited_count: int = strawberry.field(description="Providers that got a code and an email.")
    skipped: list[SkipReasonCount] = strawberry.field(
        description="Providers left out, counted per reason."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Reasons nobody was invited; empty on success."
    )


async def resolve_invite_all_providers(info: Info) -> InviteAllProvidersPayload:
    context = info.context
    try:
        result = await invite_all_providers(
            context.uow, context.flags, context.actor, context.invitation_settings, context.now
        )
    except DomainError as error:
        return InviteAllProvidersPayload(
            invited_count=0, skipped=[], user_errors=[user_error(error, context.language)]
        )

    return InviteAllProvidersPayload(
        invited_count=result.invited_count,
        skipped=[
            SkipReasonCount(reason=InviteSkipReason(reason.value), count=count)
            for reason, count in result.skipped.items()
        ],
        user_errors=[],
    )


invite_all_providers_field = strawberry.mutation(
    resolver=resolve_invite_all_providers,
    description=(
        "Beta: invite every eligible provider (INVITABLE or EXPIRED) with one code and one "
        "email each. Only where the flag relay.invite-all is on for your tenant; otherwise "
        "FEATURE_DISABLED. A second call invites nobody twice (admins only)."
    ),
)
