from __future__ import annotations

from dataclasses import dataclass

from relay_graph.domain.errors import DomainError, ErrorCode
from relay_graph.domain.roles import Role
from relay_graph.i18n import Language


@dataclass(frozen=True)
class Actor:
    """Caller of a use case: the token's tenant, role and user, and the reply language."""

    tenant_id: int
    tenant_slug: str
    role: Role
    user_id: str
    language: Language

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def require_admin(self) -> None:
        if not self.is_admin:
            raise DomainError(ErrorCode.FORBIDDEN)
