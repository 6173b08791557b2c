from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Index, inspect, text

from relay_graph.db.engine import create_engine
from relay_graph.db.models import Base


def _differences(connection: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


# Alembic cannot reflect expression indexes and skips them with this warning;
# test_expression_indexes_exist checks those by name instead.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index"
)
async def test_migrated_database_equals_orm_metadata(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await engine.dispose()

    assert differences == []
    assert set(Base.metadata.tables) <= tables


def _index_names(connection: Any) -> set[str]:
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    return {row[0] for row in connection.execute(text(query))}


async def test_expression_indexes_exist(database_url: str) -> None:
    expected = {
        str(index.name)
        for table in Base.metadata.tables.values()
        for index in table.indexes
        if isinstance(index, Index) and any(not hasattr(part, "name") for part in index.expressions)
    }
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            present = await connection.run_sync(_index_names)
    finally:
        await engine.dispose()

    assert expected == {
        "ix_contact_order_name",
        "ix_contact_order_company",
        "ix_contact_order_external_id",
    }
    assert expected <= present


def _contact_reloptions(connection: Any) -> list[str]:
    query = "SELECT coalesce(reloptions, '{}') FROM pg_class WHERE relname = 'contact'"
    return list(connection.execute(text(query)).scalar_one())


async def test_contact_fillfactor_matches_orm(database_url: str, engine_name: str) -> None:
    if engine_name != "postgres":
        pytest.skip("storage parameters such as fillfactor exist on PostgreSQL only")

    expected = Base.metadata.tables["contact"].dialect_options["postgresql"]["with"]
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            options = await connection.run_sync(_contact_reloptions)
    finally:
        await engine.dispose()

    assert options == [f"fillfactor={expected['fillfactor']}"]
