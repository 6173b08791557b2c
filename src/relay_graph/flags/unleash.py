from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import shutil
import socket
import tempfile
import uuid
from pathlib import Path
from typing import Any

from UnleashClient import UnleashClient  # type: ignore[attr-defined]  # 6.9.1 has no __all__
from UnleashClient.cache import BaseCache, FileCache
from UnleashClient.constants import FEATURES_URL

logger = logging.getLogger(__name__)

APP_NAME = "relay-graph"
# Offline the SDK still needs a URL, but it sends no request: registration, metrics and
# fetching are off. Port 1 on the loopback refuses connections, so a request sent by
# mistake fails at once instead of leaving the host.
OFFLINE_URL = "http://127.0.0.1:1/offline"


def load_flags_file(path: Path) -> dict[str, object]:
    """Read flag definitions. A missing file means every flag is off."""
    if not path.exists():
        logger.warning("flags file %s not found; every feature flag is off", path)
        return {"version": 1, "features": []}
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


class _FlagsFileFallbackCache(FileCache):
    """Unleash's file cache that returns the flags file's state while it contains none.

    The flags file's state is never written to disk, so the cache only contains states
    that Unleash sent, and an edited flags file applies on the next start.

    NOTE: fcache 0.6 writes a file in the system temp folder and moves it here. On another
    filesystem the move is a copy, so a worker that starts during a write can read a
    truncated pickle and fail its startup.
    """

    def __init__(self, name: str, directory: Path, fallback_state: str) -> None:
        super().__init__(name, directory=str(directory))
        self._fallback_state = fallback_state
        # The client loads a bootstrapped cache in its constructor, so the cached state
        # applies before the first fetch returns, also when that fetch hangs.
        self.bootstrapped = True

    def get(self, key: str, default: Any | None = None) -> Any:
        value = super().get(key, default)
        if key == FEATURES_URL and value is None:
            return self._fallback_state
        return value


class _MemoryCache(BaseCache):
    """Cache in memory, so an offline run leaves Unleash's file cache as it was."""

    def __init__(self, features: str) -> None:
        self._values: dict[str, Any] = {FEATURES_URL: features}
        self.bootstrapped = True

    def set(self, key: str, value: Any) -> None:
        self._values[key] = value

    def mset(self, data: dict[str, Any]) -> None:
        self._values.update(data)

    def get(self, key: str, default: Any | None = None) -> Any:
        return self._values.get(key, default)

    def exists(self, key: str) -> bool:
        return key in self._values

    def destroy(self) -> None:
        self._values.clear()


def _prepare_private_cache_folder(directory: Path) -> None:
    """Create fcache's folder `directory/cache` with mode 0o700.

    fcache 0.6 writes its pickle files with mode 0o666, so only a private folder keeps
    other local users from changing what the service unpickles.
    """
    folder = directory / "cache"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)


def _unique_instance_id(app_name: str) -> str:
    # The SDK logs an error for a second client with the same token, app name and
    # instance id in one process, and Unleash lists each instance id as one instance.
    return f"{app_name}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class UnleashFlags:
    """Feature flags evaluated by the Unleash SDK.

    Online, the SDK polls the Unleash server and keeps the last state it received in a
    file cache. That state, or the flags file while the cache is empty, applies from
    the constructor on, so a slow or unreachable Unleash never leaves the flags
    undefined. Offline (no URL), it evaluates the flags file and opens no connection.
    A flag it does not know is off, so a tenant is never switched on by accident.
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
        self._startup_timeout = startup_timeout
        self._temporary_cache_dir: Path | None = None
        fallback_state = json.dumps(load_flags_file(flags_file))

        cache: BaseCache
        if url is None:
            cache = _MemoryCache(fallback_state)
        else:
            if cache_dir is None:
                # A fixed path in the shared temp folder could be prepared by another
                # user, so without a configured folder the cache lives for one run only.
                cache_dir = Path(tempfile.mkdtemp(prefix="relay-graph-unleash-"))
                self._temporary_cache_dir = cache_dir
            _prepare_private_cache_folder(cache_dir)
            cache = _FlagsFileFallbackCache(app_name, cache_dir, fallback_state)

        headers = {"Authorization": api_token} if api_token else {}
        self._client = UnleashClient(
            url=url or OFFLINE_URL,
            app_name=app_name,
            environment=environment,
            instance_id=_unique_instance_id(app_name),
            refresh_interval=refresh_interval,
            disable_metrics=url is None,
            disable_registration=url is None,
            custom_headers=headers,
            # The SDK types the timeout of each request as whole seconds. Rounding up
            # keeps a timeout below 1 s from becoming 0, and start() bounds the startup.
            request_timeout=max(1, math.ceil(startup_timeout)),
            request_retries=0,
            cache=cache,
        )

    async def start(self) -> None:
        """Register with Unleash and fetch the flag state, waiting `startup_timeout` at most.

        On timeout the SDK's thread keeps trying in the background, and the cached
        state (or the flags file) applies until a fetch succeeds.
        """
        online = self._url is not None
        try:
            await asyncio.wait_for(
                asyncio.to_thread(self._client.initialize_client, fetch_toggles=online),
                timeout=self._startup_timeout,
            )
        except TimeoutError:
            logger.warning(
                "Unleash at %s did not respond within %.1f s, so the last known flag state "
                "applies until a fetch succeeds",
                self._url,
                self._startup_timeout,
            )
        logger.info("feature flags ready", extra={"online": online})

    async def stop(self) -> None:
        """Stop polling and send the last metrics.

        The SDK first waits for a startup that timed out and for a fetch in flight, so
        against an Unleash that never responds this takes a few request timeouts.
        """
        await asyncio.to_thread(self._client.destroy)
        if self._temporary_cache_dir is not None:
            shutil.rmtree(self._temporary_cache_dir, ignore_errors=True)

    def is_enabled(self, flag: str, *, tenant_id: str, user_id: str) -> bool:
        # The SDK evaluates custom context fields such as tenantId from `properties`.
        context = {"userId": user_id, "properties": {"tenantId": tenant_id}}
        return bool(self._client.is_enabled(flag, context))
