"""Security headers on every HTTP response."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# JSON responses need no resources at all; the GraphiQL page sends its own policy.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    """Add nosniff, no-referrer, DENY framing, a CSP, no-store and, if enabled, HSTS.

    A header that the response set itself is kept. Strict-Transport-Security is sent only
    with `hsts_max_age` > 0: the app serves plain HTTP, and only the operator knows
    whether a TLS proxy in front of it serves every request over HTTPS.
    """

    def __init__(self, app: ASGIApp, *, hsts_max_age: int = 0) -> None:
        self.app = app
        self.headers = {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": API_CONTENT_SECURITY_POLICY,
            # Responses carry tenant data; no browser or proxy cache may keep them.
            "Cache-Control": "no-store",
        }
        if hsts_max_age > 0:
            self.headers["Strict-Transport-Security"] = f"max-age={hsts_max_age}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
