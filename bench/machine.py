"""Describe the machine and the software versions behind a benchmark run."""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import platform
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from relay_graph.db.engine import create_engine

REPO = Path(__file__).resolve().parents[1]
PYTHON_PACKAGES = (
    "strawberry-graphql",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "jinja2",
    "orjson",
)


def _first_line(command: list[str]) -> str:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return "not installed"
    # wrk -v prints its version and exits with 1.
    output = (completed.stdout or completed.stderr).strip()
    return output.splitlines()[0] if output else "unknown"


def _meminfo_total_gib() -> float:
    for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


async def _postgres_version(url: str) -> str:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return str((await connection.execute(text("SHOW server_version"))).scalar_one())
    finally:
        await engine.dispose()


def _postgraphile_version() -> str:
    manifest = REPO / "bench" / "postgraphile" / "node_modules" / "postgraphile" / "package.json"
    if not manifest.exists():
        return "not installed"
    version: str = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    return version


def _git_revision() -> str:
    """Name the code under test: RELAY_BENCH_REVISION if set (for a tree exported with
    `git archive`), else the checkout's commit, marked if tracked files have changes."""
    label = os.environ.get("RELAY_BENCH_REVISION")
    if label:
        return label
    status = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    )
    if status.returncode != 0:
        return "unknown (not a git checkout)"
    revision = _first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    return f"{revision} with uncommitted changes" if status.stdout.strip() else revision


def describe(postgres_url: str | None) -> dict[str, object]:
    """Collect nproc, memory, CPU model, load and versions as a flat dictionary."""
    packages = {}
    for name in PYTHON_PACKAGES:
        try:
            packages[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            packages[name] = "not installed"
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gib": round(_meminfo_total_gib(), 1),
        "cpu_model": _cpu_model(),
        "kernel": platform.release(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "postgresql": asyncio.run(_postgres_version(postgres_url)) if postgres_url else "not used",
        "node": _first_line(["node", "--version"]),
        "postgraphile": _postgraphile_version(),
        "wrk": _first_line(["wrk", "-v"]),
        "relay_graph_commit": _git_revision(),
        "packages": packages,
    }
