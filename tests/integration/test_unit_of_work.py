"""Transactions of the server's units of work: reads in autocommit mode, writes in one."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, text
from starlette.applications import Starlette

from relay_graph.db.models import Tenant
from relay_graph.services.unit_of_work import UnitOfWork


async def transaction_times(uow: UnitOfWork) -> tuple[object, object]:
    """Read the transaction's start time twice, with a pause in between."""
    first = (await uow.session.execute(text("SELECT now()"))).scalar_one()
    await asyncio.sleep(0.02)
    second = (await uow.session.execute(text("SELECT now()"))).scalar_one()
    return first, second


async def test_reads_run_each_statement_on_its_own(app: Starlette, engine_name: str) -> None:
    if engine_name != "postgres":
        pytest.skip("SQLite reads keep one snapshot in a deferred transaction")
    async with app.state.uow.read() as uow:
        first, second = await transaction_times(uow)

    # now() is the start of the transaction: each statement is a transaction of its own.
    assert first != second


async def test_writes_run_in_one_transaction(app: Starlette, engine_name: str) -> None:
    if engine_name != "postgres":
        pytest.skip("SQLite's write transactions start with BEGIN IMMEDIATE, tested elsewhere")
    async with app.state.uow.write() as uow:
        first, second = await transaction_times(uow)
        isolation = (await uow.session.execute(text("SHOW transaction_isolation"))).scalar_one()

    assert first == second
    assert isolation == "read committed"


async def test_write_after_reads_on_pooled_connections_is_atomic(
    app: Starlette, engine_name: str
) -> None:
    """Connections that served autocommit reads still roll back an unfinished write."""
    if engine_name != "postgres":
        pytest.skip("PostgreSQL only")
    for _ in range(3):
        async with app.state.uow.read() as uow:
            await uow.session.execute(text("SELECT 1"))
    async with app.state.uow.write() as uow:
        uow.session.add(Tenant(slug="probe-one", name="Probe"))
        await uow.session.flush()
        uow.session.add(Tenant(slug="probe-two", name="Probe"))
        await uow.session.flush()
        # Leaves without commit(): the unit of work rolls back both rows.
    async with app.state.uow.read() as uow:
        slugs = (await uow.session.scalars(select(Tenant.slug))).all()
    assert not {"probe-one", "probe-two"} & set(slugs)


async def test_snapshot_reads_see_one_state(app: Starlette, engine_name: str) -> None:
    """A page and its total count agree even when a write commits between them."""
    async with app.state.uow.read(snapshot=True) as reading:
        before = (await reading.session.scalars(select(Tenant.slug))).all()
        async with app.state.uow.write() as writing:
            writing.session.add(Tenant(slug="snapshot-probe", name="Probe"))
            await writing.commit()
        after = (await reading.session.scalars(select(Tenant.slug))).all()
    async with app.state.uow.read() as fresh:
        latest = (await fresh.session.scalars(select(Tenant.slug))).all()

    assert sorted(after) == sorted(before)
    assert "snapshot-probe" in latest
