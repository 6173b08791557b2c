"""The HTTP middleware stack in front of every route, built from the settings."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from relay_graph.api.http.body_limit import BodySizeLimitMiddleware
from relay_graph.api.http.rate_limit import RateLimitMiddleware, rate_limit_storage
from relay_graph.api.http.request_id import RequestIdMiddleware
from relay_graph.api.http.security_headers import SecurityHeadersMiddleware
from relay_graph.api.http.unexpected_errors import UnexpectedErrorMiddleware
from relay_graph.config import Settings


def http_middleware(settings: Settings) -> list[Middleware]:
    """Return the middleware, outermost first.

    The request id and the security headers wrap everything, so even a 500, 413 or 429
    carries them. CORS comes before the limits, so a browser can read their errors.
    """
    stack = [
        Middleware(RequestIdMiddleware),
        Middleware(SecurityHeadersMiddleware, hsts_max_age=settings.hsts_max_age),
        Middleware(UnexpectedErrorMiddleware),
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept-Language", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        ),
    ]
    if settings.rate_limit_per_second > 0:
        stack.append(
            Middleware(
                RateLimitMiddleware,
                rate_per_second=settings.rate_limit_per_second,
                burst=settings.rate_limit_burst,
                storage=rate_limit_storage(settings.redis_url, settings.rate_limit_key_prefix),
            )
        )
    stack.append(Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes))
    return stack
