"""API tokens: created by the CLI, stored as SHA-256 hashes, resolved per request."""

from __future__ import annotations

import hashlib
import secrets

from relay_graph.db.models import ApiToken
from relay_graph.domain.roles import Role
from relay_graph.i18n import Language
from relay_graph.services.actor import Actor
from relay_graph.services.unit_of_work import UnitOfWorkFactory

TOKEN_PREFIX = "rg_"


class UnknownTenantError(LookupError):
    def __init__(self, slug: str) -> None:
        super().__init__(
            f"tenant {slug!r} does not exist; run `relay-graph seed-demo` or create it first"
        )
        self.slug = slug


def hash_token(token: str) -> str:
    # The tokens carry 256 random bits, so a plain SHA-256 is enough to store them.
    # A slow password hash would only add latency to every request.
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(
    uow_factory: UnitOfWorkFactory, tenant_slug: str, role: Role, user_id: str
) -> str:
    """Create a token for the tenant and return it; only its hash is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with uow_factory.write() as uow:
        tenant = await uow.tenants.get_by_slug(tenant_slug)
        if tenant is None:
            raise UnknownTenantError(tenant_slug)
        uow.tokens.add(
            ApiToken(
                tenant_id=tenant.id, token_hash=hash_token(token), role=role.value, user_id=user_id
            )
        )
        await uow.commit()
    return token


async def authenticate(
    uow_factory: UnitOfWorkFactory, token: str, language: Language
) -> Actor | None:
    async with uow_factory.read() as uow:
        owner = await uow.tokens.find_owner(hash_token(token))
    if owner is None:
        return None
    return Actor(
        tenant_id=owner.tenant_id,
        tenant_slug=owner.tenant_slug,
        role=Role(owner.role),
        user_id=owner.user_id,
        language=language,
    )
