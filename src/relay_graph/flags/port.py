from __future__ import annotations

from typing import Protocol


class FeatureFlags(Protocol):
    def is_enabled(self, flag: str, *, tenant_id: str, user_id: str) -> bool:
        """Evaluate a flag for a tenant (its slug) and the user behind the token."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
