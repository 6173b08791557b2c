from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from relay_graph.cli import main


def test_invalid_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAY_PORT", "abc")

    result = CliRunner().invoke(main, ["export-schema"])

    assert result.exit_code == 1
    assert "RELAY_PORT" in result.output
    assert "Traceback" not in result.output


def test_missing_sqlite_file_is_not_created(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "missing.db"
    monkeypatch.setenv("RELAY_DATABASE_URL", f"sqlite+aiosqlite:///{database}")

    result = CliRunner().invoke(main, ["create-token", "--tenant", "demo"])

    assert result.exit_code == 1
    assert "relay-graph migrate" in result.output
    assert not database.exists()


def test_unmigrated_database_points_to_migrate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "empty.db"
    database.touch()
    monkeypatch.setenv("RELAY_DATABASE_URL", f"sqlite+aiosqlite:///{database}")

    result = CliRunner().invoke(main, ["create-token", "--tenant", "demo"])

    assert result.exit_code == 1
    assert "relay-graph migrate" in result.output
    assert "SELECT" not in result.output
