from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Route

from relay_graph.api.graphql.schema import build_schema
from relay_graph.api.graphql.view import RelayGraphQL
from relay_graph.api.http.health import live, ready
from relay_graph.api.http.middleware import http_middleware
from relay_graph.config import Settings
from relay_graph.db.engine import create_engine, create_session_factory
from relay_graph.flags.port import FeatureFlags
from relay_graph.flags.unleash import UnleashFlags
from relay_graph.host_lock import HostLock, lock_path
from relay_graph.logging_setup import configure_logging
from relay_graph.services.invitation_email import InvitationSettings
from relay_graph.services.outbox_worker import create_outbox_worker
from relay_graph.services.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)


def default_flags(settings: Settings) -> FeatureFlags:
    return UnleashFlags(
        url=settings.unleash_url,
        api_token=settings.unleash_api_token,
        flags_file=settings.flags_file,
        app_name=settings.unleash_app_name,
        environment=settings.unleash_environment,
        refresh_interval=settings.unleash_refresh_interval,
        startup_timeout=settings.unleash_timeout,
        cache_dir=settings.unleash_cache_dir,
    )


@asynccontextmanager
async def outbox_worker(settings: Settings) -> AsyncIterator[None]:
    """Run the outbox worker beside the server unless RELAY_OUTBOX_WORKER is false.

    With several server processes on one host, only the one holding the host lock runs
    it. The others wait in the background and take over if that process ends. The worker
    gets an engine of its own, so its polling never takes a connection a request needs.
    """
    if not settings.outbox_worker:
        yield
        return
    lock = HostLock(lock_path("outbox-worker", settings.database_url))
    runner = asyncio.create_task(_run_outbox_worker(settings, lock), name="outbox-worker-host")
    try:
        yield
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        lock.release()


async def _run_outbox_worker(settings: Settings, lock: HostLock) -> None:
    await lock.acquire(retry_interval=max(settings.outbox_poll_interval, 1.0))
    engine = create_engine(settings.database_url)
    worker = create_outbox_worker(settings, UnitOfWorkFactory(create_session_factory(engine)))
    worker.start()
    try:
        await asyncio.Event().wait()
    finally:
        # Shielded, so a cancelled lifespan still lets the last round record its outcome.
        await asyncio.shield(worker.stop())
        await engine.dispose()


def pool_options(settings: Settings) -> dict[str, int]:
    """Give each server process its share of RELAY_DB_POOL_SIZE connections."""
    if settings.database_url.startswith("sqlite"):
        return {}
    share = max(2, settings.db_pool_size // settings.worker_count)
    return {"pool_size": share, "max_overflow": share}


def create_app(settings: Settings | None = None, *, flags: FeatureFlags | None = None) -> Starlette:
    """Build the ASGI app; the engine and the flag client are created in its lifespan."""
    settings = settings or Settings()
    schema = build_schema(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        max_cost=settings.max_query_cost,
    )
    graphql = RelayGraphQL(
        schema,
        graphql_ide="graphiql" if settings.graphiql else None,
        max_batch_operations=settings.max_batch_operations,
        max_node_ids=settings.max_node_ids,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(
            settings.database_url, autocommit_reads=True, **pool_options(settings)
        )
        feature_flags = flags or default_flags(settings)
        await feature_flags.start()
        app.state.engine = engine
        app.state.uow = UnitOfWorkFactory(create_session_factory(engine))
        app.state.flags = feature_flags
        app.state.invitation_settings = InvitationSettings(
            registration_url=settings.registration_url,
            default_code_ttl_days=settings.code_ttl_days,
            # Message-IDs name the sender's domain, as RFC 5322 recommends.
            mail_domain=settings.mail_from.rpartition("@")[2] or "relay-graph.invalid",
        )
        logger.info("relay-graph started", extra={"database": engine.url.render_as_string()})
        try:
            async with outbox_worker(settings):
                yield
        finally:
            await feature_flags.stop()
            await engine.dispose()
            logger.info("relay-graph stopped")

    return Starlette(
        routes=[
            # Every method reaches the view, which rejects unsupported ones with a JSON 405.
            Route("/graphql", graphql),
            Route("/healthz", live),
            Route("/readyz", ready),
        ],
        middleware=http_middleware(settings),
        lifespan=lifespan,
    )


def create_worker_app() -> Starlette:
    """Build the app in a process that `relay-graph serve --workers N` started."""
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
