"""Limit the request rate per API token, with a budget shared through Redis if configured."""

from __future__ import annotations

import hashlib
import logging
import math
import time

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from relay_graph.api.http.auth import bearer_token

logger = logging.getLogger(__name__)

# Probes must keep working while a client exceeds its budget.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})


def rate_limit_storage(redis_url: str | None, key_prefix: str) -> Storage:
    """Create the storage of the request counts: Redis when a URL is given, else memory."""
    if not redis_url:
        return MemoryStorage()
    # The limits library selects its asyncio storages by an "async+" scheme.
    return RedisStorage(f"async+{redis_url}", key_prefix=key_prefix, wrap_exceptions=True)


def client_key(request: Request) -> str:
    """Name the budget a request draws from: its bearer token, else its client address.

    The token is hashed so that no token is kept in the storage.
    """
    token = bearer_token(request)
    if token is not None:
        return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    host = request.client.host if request.client else "unknown"
    return f"client:{host}"


class RateLimitMiddleware:
    """Respond with HTTP 429 and Retry-After once a token has spent its budget.

    The budget is `burst` requests in any window of `burst / rate_per_second` seconds,
    kept by the limits library's moving window. It admits a burst of `burst` requests and
    then `rate_per_second` on average, as a token bucket of that size and rate would.
    NOTE: unlike a token bucket, a spent budget comes back as the oldest requests leave
    the window, not at an even rate; limits 5.8 offers no token-bucket strategy.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        rate_per_second: float,
        burst: int,
        storage: Storage,
    ) -> None:
        self.app = app
        self.rate_per_second = rate_per_second
        self.burst = burst
        # The window is a whole number of seconds, so the sustained rate is rounded.
        self.window_seconds = max(1, round(burst / rate_per_second))
        self.item = RateLimitItemPerSecond(burst, self.window_seconds)
        self.limiter = MovingWindowRateLimiter(storage)
        self._storage_failing = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return

        key = client_key(Request(scope))
        if await self._allow(key):
            await self.app(scope, receive, send)
            return

        retry_after = await self._retry_after(key)
        logger.info("request rejected: rate limit reached, retry after %d s", retry_after)
        await self._too_many_requests(retry_after)(scope, receive, send)

    async def _allow(self, key: str) -> bool:
        try:
            allowed = await self.limiter.hit(self.item, key)
        except StorageError as error:
            # Fail open: an outage of the rate-limit storage must not take the API down.
            if not self._storage_failing:
                logger.warning("rate limit storage failed, requests pass unlimited: %s", error)
            self._storage_failing = True
            return True
        if self._storage_failing:
            logger.info("rate limit storage works again")
            self._storage_failing = False
        return allowed

    async def _retry_after(self, key: str) -> int:
        try:
            stats = await self.limiter.get_window_stats(self.item, key)
        except StorageError:
            return self.window_seconds
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _too_many_requests(self, retry_after: int) -> JSONResponse:
        message = (
            f"Too many requests for this token: the limit is {self.burst} requests per "
            f"{self.window_seconds} s. Retry after {retry_after} s."
        )
        extensions = {
            "code": "RATE_LIMITED",
            "limit": "rateLimit",
            "retryAfterSeconds": retry_after,
        }
        return JSONResponse(
            {"errors": [{"message": message, "extensions": extensions}]},
            status_code=429,
            headers={"Retry-After": str(retry_after)},
        )
