from __future__ import annotations


class InMemoryFlags:
    """Flags switched on per tenant in memory, for tests and embedding."""

    def __init__(self, enabled: dict[str, set[str]] | None = None) -> None:
        self._enabled: dict[str, set[str]] = enabled or {}

    def enable(self, flag: str, tenant_id: str) -> None:
        self._enabled.setdefault(flag, set()).add(tenant_id)

    def disable(self, flag: str, tenant_id: str) -> None:
        self._enabled.get(flag, set()).discard(tenant_id)

    def is_enabled(self, flag: str, *, tenant_id: str, user_id: str) -> bool:
        return tenant_id in self._enabled.get(flag, set())

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
