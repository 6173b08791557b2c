from __future__ import annotations

import strawberry

from relay_graph.api.graphql.context import Info
from relay_graph.api.graphql.types.enums import Language, Role


@strawberry.type(description="The caller as the token identifies it.")
class Viewer:
    tenant_slug: str = strawberry.field(description="Short name of your tenant.")
    user_id: str = strawberry.field(description="User the token was created for.")
    role: Role = strawberry.field(description="Role of the token.")
    language: Language = strawberry.field(
        description="Language of messages in this response, from Accept-Language."
    )


def resolve_viewer(info: Info) -> Viewer:
    actor = info.context.actor
    return Viewer(
        tenant_slug=actor.tenant_slug,
        user_id=actor.user_id,
        role=Role(actor.role.value),
        language=Language(info.context.language),
    )


viewer_field = strawberry.field(resolver=resolve_viewer, description="Who is calling.")
