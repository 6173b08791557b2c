"""Describe the machine and the software versions behind a benchmark run, and read the CPU
time of its processes from /proc (Linux only)."""

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
CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
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
        "load_average_5m": round(os.getloadavg()[1], 2),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "postgresql": asyncio.run(_postgres_version(postgres_url)) if postgres_url else "not used",
        "node": _first_line(["node", "--version"]),
        "postgraphile": _postgraphile_version(),
        "wrk": _first_line(["wrk", "-v"]),
        "relay_graph_commit": _git_revision(),
        "packages": packages,
    }


def _stat_fields(pid: int) -> list[str] | None:
    """Return the fields of /proc/<pid>/stat after the command name, or None if the process
    has ended. The name is in brackets and may contain spaces, so split after the last ')'."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return None
    return raw.rpartition(")")[2].split()


def process_cpu_seconds(pid: int) -> float | None:
    """Return the user and system CPU time of a process and of its children that it has
    waited for (utime, stime, cutime, cstime), or None if the process has ended."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    # Fields 14 to 17 of proc(5). The list starts at field 3, the state.
    ticks = sum(int(value) for value in fields[11:15])
    return ticks / CLOCK_TICKS_PER_SECOND


def process_tree(root: int) -> list[int]:
    """Return the ids of a process and of all its descendants that are running now."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree = [root]
    for pid in tree:
        tree.extend(children.get(pid, []))
    return tree


def cpu_snapshot(pids: list[int]) -> dict[int, float]:
    """Map each running process of `pids` to its CPU seconds so far, leaving out ended ones."""
    snapshot = {}
    for pid in pids:
        seconds = process_cpu_seconds(pid)
        if seconds is not None:
            snapshot[pid] = seconds
    return snapshot


def cpu_used(before: dict[int, float], after: dict[int, float]) -> tuple[float, int]:
    """Return the CPU seconds used between two snapshots and the number of processes that
    ended in between.

    A process that started in between counts in full. The CPU of a process that ended after
    the first snapshot is missing, unless its parent reaped it and is itself in `after`.
    """
    used = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
    ended = sum(1 for pid in before if pid not in after)
    return used, ended


def machine_busy_cpu_seconds() -> float:
    """Return the CPU time all cores spent outside idle and I/O wait since boot (/proc/stat)."""
    first_line = Path("/proc/stat").read_text(encoding="utf-8").splitlines()[0]
    # The fields are user nice system idle iowait irq softirq steal, and user includes guest.
    values = [int(value) for value in first_line.split()[1:9]]
    busy = values[0] + values[1] + values[2] + values[5] + values[6] + values[7]
    return busy / CLOCK_TICKS_PER_SECOND
