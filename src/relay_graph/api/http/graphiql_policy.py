"""Content-Security-Policy of the GraphiQL page that strawberry serves on GET /graphql."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser

# strawberry 0.341's graphiql.html loads React, GraphiQL 3.8.3 and its explorer plugin
# from this CDN, each pinned with a Subresource Integrity hash.
GRAPHIQL_ASSET_ORIGIN = "https://unpkg.com"


class _InlineScripts(HTMLParser):
    """Collect the text of every <script> element without a src attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not any(name == "src" for name, _ in attrs):
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def inline_script_hashes(page: str) -> list[str]:
    """Return CSP hash sources ('sha256-…') of the page's inline scripts."""
    parser = _InlineScripts()
    parser.feed(page)
    parser.close()
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in parser.scripts
    ]


def graphiql_content_security_policy(page: str) -> str:
    """Build the policy for `page`: its CDN assets and its own inline script, nothing else.

    Styles need 'unsafe-inline': the page has an inline <style>, and GraphiQL 3.8.3's
    bundle adds <style> elements at run time (react-style-singleton) without a nonce.
    Its CSS embeds fonts and images as data: URIs, and GraphiQL fetches the schema
    and results from this origin ('self').
    """
    scripts = " ".join([GRAPHIQL_ASSET_ORIGIN, *inline_script_hashes(page)])
    directives = [
        "default-src 'none'",
        f"script-src {scripts}",
        f"style-src {GRAPHIQL_ASSET_ORIGIN} 'unsafe-inline'",
        "font-src data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)
