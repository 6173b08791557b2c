from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from pathlib import Path

from UnleashClient import UnleashClient
from UnleashClient.cache import FileCache
from UnleashClient.constants import FEATURES_URL

logger = logging.getLogger(__name__)

APP_NAME = "relay-graph"


def load_flags_file(path: Path) -> dict[str, object]:
    """Read flag definitions; a missing file means every flag is off."""
    if not path.exists():
        logger.warning("flags file %s not found; every feature flag is off", path)
        return {"version": 1, "features": []}
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


class UnleashFlags:
    """Feature flags evaluated by the Unleash SDK.

    Online, the SDK polls the Unleash server and keeps the last state in its file
    cache. Offline (no URL), it evaluates the definitions in the flags file and never
    opens a connection. A flag it does not know is off, so a tenant is never switched
    on by accident.
    """

    def __init__(
        self,
        *,
        url: str | None,
        api_token: str | None,
        flags_file: Path,
        app_name: str = APP_NAME,
        environment: str = "default",
        refresh_interval: int = 15,
        startup_timeout: float = 2.0,
        cache_dir: Path | None = None,
    ) -> None:
        self._url = url
        self._flags_file = flags_file
        self._startup_timeout = startup_timeout
        cache_directory = cache_dir or Path(tempfile.gettempdir()) / "relay-graph-unleash"
        cache = FileCache(app_name, directory=str(cache_directory))
        if url is None or not cache.exists(FEATURES_URL):
            # Offline the flags file is the only source. Online it is the fallback until
            # the first successful fetch, unless the cache holds a state from a previous run.
            cache.bootstrap_from_dict(load_flags_file(flags_file))
        headers = {"Authorization": api_token} if api_token else {}
        self._client = UnleashClient(
            url=url or "http://127.0.0.1:1/offline",
            app_name=app_name,
            environment=environment,
            refresh_interval=refresh_interval,
            disable_metrics=url is None,
            disable_registration=url is None,
            custom_headers=headers,
            request_timeout=max(1, int(startup_timeout)),
            request_retries=0,
            cache=cache,
        )

    async def start(self) -> None:
        online = self._url is not None
        try:
            await asyncio.wait_for(
                asyncio.to_thread(self._client.initialize_client, fetch_toggles=online),
                timeout=self._startup_timeout,
            )
        except TimeoutError:
            # The SDK keeps polling in its scheduler; until then the cached state applies.
            logger.warning(
                "unleash did not respond within %.1f s; using the last known flag state",
                self._startup_timeout,
            )
        logger.info("feature flags ready", extra={"online": online})

    async def stop(self) -> None:
        await asyncio.to_thread(self._client.destroy)

    def is_enabled(self, flag: str, *, tenant_id: str, user_id: str) -> bool:
        context = {"tenantId": tenant_id, "userId": user_id, "properties": {"tenantId": tenant_id}}
        return bool(self._client.is_enabled(flag, context))
