"""HTTP layer: security headers, CORS, the GraphiQL policy, errors outside GraphQL, media types."""

from __future__ import annotations

import logging
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from strawberry.http.ides import get_graphql_ide_html
from tests.support.graphql import GraphQLClient

from relay_graph.api.graphql import view
from relay_graph.api.http.graphiql_policy import (
    GRAPHIQL_ASSET_ORIGIN,
    graphiql_content_security_policy,
    inline_script_hashes,
)
from relay_graph.config import Settings

ALLOWED_ORIGIN = "https://admin.relay.example"
GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        registration_url="https://relay.example/registrieren",
        cors_origins=f"{ALLOWED_ORIGIN}, https://partner.example",
        hsts_max_age=31536000,
    )


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def assert_security_headers(headers: Any) -> None:
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert headers["strict-transport-security"] == "max-age=31536000"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


async def test_api_response_has_security_headers(gql: GraphQLClient, demo: Any) -> None:
    response = await gql.post("{ __typename }", token=demo.admin)

    assert_security_headers(response.headers)
    assert (
        response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/graphql", "/healthz", "/no-such-page"])
async def test_every_response_has_security_headers(gql: GraphQLClient, path: str) -> None:
    response = await gql.http.get(path)

    assert_security_headers(response.headers)


async def test_hsts_is_off_by_default(database_url: str, flags: Any) -> None:
    import httpx
    from asgi_lifespan import LifespanManager

    from relay_graph.app import create_app

    application = create_app(Settings(database_url=database_url), flags=flags)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get("/healthz", headers={"Origin": ALLOWED_ORIGIN})

    assert "strict-transport-security" not in response.headers
    assert "access-control-allow-origin" not in response.headers


async def test_cors_preflight_for_allowed_origin(gql: GraphQLClient) -> None:
    response = await gql.http.options(
        "/graphql",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


async def test_cors_actual_request_exposes_request_id(gql: GraphQLClient, demo: Any) -> None:
    response = await gql.http.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers=auth(demo.admin, Origin=ALLOWED_ORIGIN),
    )

    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


async def test_cors_rejects_unlisted_origin(gql: GraphQLClient, demo: Any) -> None:
    preflight = await gql.http.options(
        "/graphql",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    actual = await gql.http.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers=auth(demo.admin, Origin="https://evil.example"),
    )

    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in actual.headers


class _PageAssets(HTMLParser):
    """Collect the script and stylesheet URLs and the inline <style> elements of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.inline_styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.scripts.append(values["src"] or "")
        if tag == "link" and values.get("rel") == "stylesheet":
            self.stylesheets.append(values.get("href") or "")
        if tag == "style":
            self.inline_styles += 1


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def test_graphiql_page_policy_allows_exactly_its_assets(gql: GraphQLClient) -> None:
    # No CDN is reachable from the test machines, so the policy is checked against the
    # script and style tags of strawberry's template rather than in a browser.
    response = await gql.http.get("/graphql", headers={"Accept": "text/html"})
    page = response.text
    assets = _PageAssets()
    assets.feed(page)
    policy = directives(response.headers["content-security-policy"])

    assert response.status_code == 200
    assert page == get_graphql_ide_html("graphiql")
    assert {origin(url) for url in assets.scripts + assets.stylesheets} == {GRAPHIQL_ASSET_ORIGIN}
    assert policy["script-src"] == [GRAPHIQL_ASSET_ORIGIN, *inline_script_hashes(page)]
    assert len(inline_script_hashes(page)) == 1
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert assets.inline_styles == 1
    assert policy["style-src"] == [GRAPHIQL_ASSET_ORIGIN, "'unsafe-inline'"]
    assert policy["default-src"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_graphiql_policy_hash_changes_with_script() -> None:
    page = "<html><script>let a = 1;</script><script src='https://unpkg.com/x.js'></script></html>"
    changed = page.replace("let a = 1;", "let a = 2;")

    assert inline_script_hashes(page) != inline_script_hashes(changed)
    assert len(inline_script_hashes(page)) == 1
    assert inline_script_hashes(page)[0] in graphiql_content_security_policy(page)


async def test_error_outside_graphql_is_json_500(
    gql: GraphQLClient, demo: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("token table unreachable at db-host-7")

    monkeypatch.setattr(view, "resolve_actor", broken)
    caplog.set_level(logging.ERROR)

    response = await gql.post("{ __typename }", token=demo.admin)

    assert response.status_code == 500
    assert "db-host-7" not in response.text
    request_id = response.headers["x-request-id"]
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    assert_security_headers(response.headers)
    [record] = [record for record in caplog.records if record.exc_info]
    assert request_id in record.getMessage()
    assert "db-host-7" in str(record.exc_info[1])


async def test_unsafe_request_id_is_replaced(gql: GraphQLClient, demo: Any) -> None:
    response = await gql.http.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers=auth(demo.admin, **{"X-Request-ID": "abc\tdef ghi"}),
    )

    assert response.headers["x-request-id"] != "abc\tdef ghi"
    assert len(response.headers["x-request-id"]) == 32


@pytest.mark.parametrize(
    ("query", "accept", "status", "has_data"),
    [
        ("{", GRAPHQL_RESPONSE, 400, False),
        ("{", "application/json", 200, True),
        ("{ noSuchField }", GRAPHQL_RESPONSE, 400, False),
        ("{ noSuchField }", "application/json", 200, True),
        ("{ __typename }", GRAPHQL_RESPONSE, 200, True),
        ("{ __typename }", f"application/json;q=0.9, {GRAPHQL_RESPONSE}", 200, True),
    ],
)
async def test_status_follows_media_type(
    gql: GraphQLClient, demo: Any, query: str, accept: str, status: int, has_data: bool
) -> None:
    response = await gql.http.post(
        "/graphql", json={"query": query}, headers=auth(demo.admin, Accept=accept)
    )

    assert response.status_code == status
    expected_type = "application/json" if accept == "application/json" else GRAPHQL_RESPONSE
    assert response.headers["content-type"].startswith(expected_type)
    assert ("data" in response.json()) is has_data


async def test_field_error_keeps_200_for_graphql_response_json(
    gql: GraphQLClient, demo: Any
) -> None:
    response = await gql.http.post(
        "/graphql",
        json={"query": '{ contact(id: "not-an-id") { id } }'},
        headers=auth(demo.admin, Accept=GRAPHQL_RESPONSE),
    )

    assert response.status_code == 200
    assert response.json()["data"] == {"contact": None}
    assert response.json()["errors"][0]["path"] == ["contact"]


async def test_mutation_over_get_is_405(gql: GraphQLClient, demo: Any) -> None:
    response = await gql.http.get(
        "/graphql",
        params={"query": "mutation { inviteAllProviders { invitedCount } }"},
        headers=auth(demo.admin, Accept=GRAPHQL_RESPONSE),
    )

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_get_json_405(gql: GraphQLClient, method: str) -> None:
    response = await gql.http.request(method, "/graphql", content=b"{}")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert method in error["message"]
