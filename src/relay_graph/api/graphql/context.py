from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.requests import Request
from strawberry.types import Info as StrawberryInfo

from relay_graph.flags.port import FeatureFlags
from relay_graph.i18n import Language
from relay_graph.services.actor import Actor
from relay_graph.services.invitation_email import InvitationSettings
from relay_graph.services.unit_of_work import UnitOfWorkFactory


@dataclass
class Context:
    """Per-request state handed to every resolver."""

    request: Request
    actor: Actor
    uow: UnitOfWorkFactory
    flags: FeatureFlags
    invitation_settings: InvitationSettings
    language: Language
    request_id: str
    # One clock reading per request, so every field of a response agrees on "now".
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


Info = StrawberryInfo[Context, None]
