from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict, TypeVar

import click
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from relay_graph.config import Settings
from relay_graph.db.engine import create_engine, create_session_factory
from relay_graph.domain.roles import Role
from relay_graph.logging_setup import configure_logging
from relay_graph.services.unit_of_work import UnitOfWorkFactory

T = TypeVar("T")


def require_existing_sqlite_file(database_url: str) -> None:
    """Stop before SQLite would create an empty database file for a command that reads."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    path = Path(url.database)
    if not path.exists():
        raise click.ClickException(
            f"no database at {path.resolve()}; run `relay-graph migrate` first, or set "
            "RELAY_DATABASE_URL (relative SQLite paths start at the current folder)"
        )


def run_with_database(settings: Settings, work: Callable[[UnitOfWorkFactory], Awaitable[T]]) -> T:
    require_existing_sqlite_file(settings.database_url)

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await work(UnitOfWorkFactory(create_session_factory(engine)))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except (OperationalError, ProgrammingError) as error:
        raise click.ClickException(
            f"the database at {make_url(settings.database_url).render_as_string()} failed: "
            f"{str(error.orig).splitlines()[0]}. If tables are missing, run "
            "`relay-graph migrate` first."
        ) from error


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"RELAY_{'_'.join(str(part) for part in item['loc']).upper()}: {item['msg']} "
            f"(got {item.get('input')!r})"
            for item in error.errors()
        )
        raise click.ClickException(f"invalid settings: {problems}") from error


@click.group(help="relay-graph: GraphQL backend that onboards service providers onto Relay.")
@click.pass_context
def main(context: click.Context) -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    context.obj = settings


class ServerOptions(TypedDict):
    """Keyword arguments that both ways of serving pass to `uvicorn.run`."""

    host: str
    port: int
    log_config: None
    proxy_headers: bool


@main.command(help="Serve the GraphQL API (GraphiQL at /graphql) with uvicorn.")
@click.option("--host", default=None, help="Interface to bind; default RELAY_HOST (127.0.0.1).")
@click.option("--port", type=int, default=None, help="TCP port; default RELAY_PORT (8000).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Server processes; default RELAY_WORKERS, else one per CPU.",
)
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, workers: int | None) -> None:
    import uvicorn

    from relay_graph.app import create_app

    count = workers or settings.worker_count
    options: ServerOptions = {
        "host": host or settings.host,
        "port": port or settings.port,
        "log_config": None,
        "proxy_headers": False,
    }
    if count == 1:
        uvicorn.run(create_app(settings.model_copy(update={"workers": 1})), **options)
        return
    # Worker processes import the app factory and read their settings from the
    # environment. Each derives its share of database connections from RELAY_WORKERS.
    os.environ["RELAY_WORKERS"] = str(count)
    click.echo(f"starting {count} server processes", err=True)
    uvicorn.run("relay_graph.app:create_worker_app", factory=True, workers=count, **options)


@main.command(help="Apply all database migrations (RELAY_DATABASE_URL).")
@click.pass_obj
def migrate(settings: Settings) -> None:
    from relay_graph.db.migrate import upgrade

    upgrade(settings.database_url)
    click.echo("database is at the newest migration", err=True)


@main.command("seed-demo", help="Create the demo tenants 'demo' and 'demo-2' unless they exist.")
@click.pass_obj
def seed_demo(settings: Settings) -> None:
    from relay_graph.services.demo_seed import seed_demo as seed

    created = run_with_database(settings, lambda uow: seed(uow, datetime.now(UTC)))
    if created:
        click.echo(f"created demo tenants: {', '.join(created)}", err=True)
    else:
        click.echo("demo tenants exist already; nothing changed", err=True)


@main.command(
    "outbox-worker",
    help="Deliver queued emails until SIGINT or SIGTERM; run it with RELAY_OUTBOX_WORKER=false "
    "servers, or beside them.",
)
@click.option("--once", is_flag=True, help="Deliver what is due now, print the totals and exit.")
@click.pass_obj
def outbox_worker(settings: Settings, once: bool) -> None:
    import signal

    from relay_graph.services.outbox_worker import create_outbox_worker

    async def work(uow: UnitOfWorkFactory) -> None:
        worker = create_outbox_worker(settings, uow)
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, worker.request_stop)
        if once:
            totals = await worker.drain()
            click.echo(
                f"sent {totals.sent}, retry later {totals.retried}, failed {totals.failed}",
                err=True,
            )
        else:
            await worker.run()

    try:
        run_with_database(settings, work)
    except ValueError as error:
        raise click.ClickException(str(error)) from error


@main.command("export-schema", help="Print the GraphQL schema (SDL), or write it to a file.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write instead of standard output.",
)
def export_schema(output: Path | None) -> None:
    from relay_graph.api.graphql.schema import build_schema

    sdl = build_schema().as_str() + "\n"
    if output is None:
        sys.stdout.write(sdl)
    else:
        output.write_text(sdl, encoding="utf-8")


@main.command("create-token", help="Create an API token and print only the token.")
@click.option("--tenant", "tenant_slug", required=True, help="Slug of the tenant, e.g. 'demo'.")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.ADMIN.value,
    show_default=True,
    help="admin reads and writes; viewer only reads.",
)
@click.option(
    "--user",
    "user_id",
    default="cli",
    show_default=True,
    help="User the token acts for; sent to Unleash as userId.",
)
@click.pass_obj
def create_token(settings: Settings, tenant_slug: str, role: str, user_id: str) -> None:
    from relay_graph.services.tokens import UnknownTenantError
    from relay_graph.services.tokens import create_token as create

    try:
        token = run_with_database(
            settings, lambda uow: create(uow, tenant_slug, Role(role), user_id)
        )
    except UnknownTenantError as error:
        raise click.ClickException(str(error)) from error
    click.echo(token)


@main.command("create-tenant", help="Create a tenant (Hausverwaltung) with a unique slug.")
@click.argument("slug")
@click.option(
    "--name",
    required=True,
    help="Company name shown to providers, e.g. 'Hausverwaltung Beispiel GmbH'.",
)
@click.pass_obj
def create_tenant(settings: Settings, slug: str, name: str) -> None:
    from relay_graph.services.importing import InvalidTenantError, TenantExistsError
    from relay_graph.services.importing import create_tenant as create

    try:
        run_with_database(settings, lambda uow: create(uow, slug, name))
    except (InvalidTenantError, TenantExistsError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created tenant {slug!r}", err=True)


@main.command(
    "import",
    help=(
        "Import ERP CSV exports (contacts, properties, responsibilities) into a tenant. "
        "Records are matched by their ERP numbers, and each file is one transaction. The exit "
        "status is 1 when a file cannot be read at all. Rejected rows are listed but do not "
        "change the exit status."
    ),
)
@click.option("--tenant", "tenant_slug", required=True, help="Slug of the tenant, e.g. 'demo'.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Run the whole import, print the results, then roll everything back.",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def import_command(
    settings: Settings, tenant_slug: str, dry_run: bool, files: tuple[Path, ...]
) -> None:
    from relay_graph.importing.report import (
        format_dry_run_note,
        format_report,
        format_unreadable_file,
    )
    from relay_graph.services.importing import import_files
    from relay_graph.services.tokens import UnknownTenantError

    now = datetime.now(UTC)
    try:
        run = run_with_database(
            settings, lambda uow: import_files(uow, tenant_slug, files, now, dry_run=dry_run)
        )
    except UnknownTenantError as error:
        raise click.ClickException(str(error)) from error

    for failure in run.unreadable:
        message = format_unreadable_file(str(failure.path), failure.error, settings.language)
        click.echo(message, err=True)
    for report in run.reports:
        click.echo("\n".join(format_report(report, settings.language)))
    if dry_run:
        click.echo(format_dry_run_note(settings.language))
    if run.unreadable:
        sys.exit(1)


if __name__ == "__main__":
    main()
