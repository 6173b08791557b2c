"""Run all benchmarks on SQLite and PostgreSQL: `python -m bench.run` (or `make bench`).

Per engine it creates a fresh database, seeds it with set-based inserts, times
inviteAllProviders and linkTypeCategory in-process, and loads the contacts query with wrk
at 2 and 8 connections against relay-graph (one worker per CPU, and one worker), the floor
and (PostgreSQL only) PostGraphile, counting the CPU time of each server and of
PostgreSQL per request. It prints a report, summary lines at the end, and writes all
figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import machine
from bench.databases import DEFAULT_POSTGRES_ADMIN_URL, fresh_database
from bench.reads import LoadResult, LoadSettings, bench_contacts_read
from bench.seed import SeededTenant, seed_directory_tenant, seed_invite_tenant, settle
from bench.writes import (
    InviteResult,
    LinkResult,
    app_client,
    bench_invite_all,
    bench_link_type_category,
    log_to_file,
)
from relay_graph.db.engine import create_engine

INVITE_TARGET_S = 1.0
LINK_TARGET_S = 0.5
MIB = 1024 * 1024


@dataclass(frozen=True)
class EngineResult:
    engine: str
    seed_seconds: float
    invite: InviteResult
    link: LinkResult
    reads: list[LoadResult]


async def seed_invites(url: str, contacts: int, runs: int) -> list[SeededTenant]:
    """Seed one invite-all tenant per timed run plus one for the memory trace."""
    engine = create_engine(url)
    try:
        tenants = [
            await seed_invite_tenant(engine, f"bench-invite-{number}", contacts)
            for number in range(runs + 1)
        ]
        await settle(engine)
    finally:
        await engine.dispose()
    return tenants


async def seed_directory(url: str, contacts: int) -> SeededTenant:
    engine = create_engine(url)
    try:
        tenant = await seed_directory_tenant(engine, "bench-directory", contacts)
        await settle(engine)
    finally:
        await engine.dispose()
    return tenant


async def run_invites(url: str, tenants: list[SeededTenant], contacts: int) -> InviteResult:
    async with app_client(url, {tenant.slug for tenant in tenants}) as client:
        return await bench_invite_all(client, tenants[:-1], tenants[-1], contacts)


async def run_links(url: str, tenant: SeededTenant, contacts: int, runs: int) -> LinkResult:
    async with app_client(url, set()) as client:
        return await bench_link_type_category(client, tenant, contacts, runs)


def run_engine(
    engine_name: str, arguments: argparse.Namespace, log_directory: Path
) -> EngineResult:
    """Benchmark one engine on a fresh database.

    The invite-all runs come first, while provider_code is still empty, as on a new
    deployment. The directory tenant for linkTypeCategory and the reads is seeded after.
    """
    print(f"== {engine_name}", flush=True)
    log_to_file(log_directory / f"app-{engine_name}.log")
    with fresh_database(engine_name, arguments.postgres_url) as url:
        started = time.perf_counter()
        invite_tenants = asyncio.run(
            seed_invites(url, arguments.invite_contacts, arguments.invite_runs)
        )
        seed_seconds = time.perf_counter() - started
        invite = asyncio.run(run_invites(url, invite_tenants, arguments.invite_contacts))

        started = time.perf_counter()
        directory = asyncio.run(seed_directory(url, arguments.link_contacts))
        seed_seconds += time.perf_counter() - started
        print(f"seeded in {seed_seconds:.1f} s", flush=True)
        link = asyncio.run(run_links(url, directory, arguments.link_contacts, arguments.link_runs))
        print_write_results(invite, link)

        reads: list[LoadResult] = []
        if not arguments.skip_reads:
            load = LoadSettings(
                connection_counts=arguments.read_connections, seconds=arguments.read_seconds
            )
            print(read_table_title(engine_name, load), flush=True)
            print(READ_TABLE_HEADER, flush=True)
            for result in bench_contacts_read(engine_name, url, directory, load):
                print(read_table_row(result), flush=True)
                reads.append(result)
    return EngineResult(engine_name, seed_seconds, invite, link, reads)


def run_engine_in_child(
    engine_name: str, arguments: argparse.Namespace, log_directory: Path
) -> EngineResult:
    """Run one engine's benchmarks in a new process, so its maxrss starts from scratch."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(run_engine, engine_name, arguments, log_directory).result()


def print_write_results(invite: InviteResult, link: LinkResult) -> None:
    runs = ", ".join(f"{run.seconds:.2f} s (CPU {run.cpu_seconds:.2f} s)" for run in invite.runs)
    print(f"inviteAllProviders, {invite.contacts} contacts: {runs}", flush=True)
    print(
        f"  peak traced memory {invite.traced_peak_bytes / MIB:.1f} MiB, "
        f"maxrss +{invite.maxrss_delta_bytes / MIB:.1f} MiB",
        flush=True,
    )
    runs = ", ".join(f"{run.seconds:.2f} s" for run in link.runs)
    print(f"linkTypeCategory, {link.contacts} contacts: {runs}", flush=True)


READ_TABLE_HEADER = (
    f"{'server':<16}{'workers':>8}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
    f"{'server CPU':>12}{'PG CPU':>9}{'other load':>12}"
)


def read_table_title(engine_name: str, load: LoadSettings) -> str:
    return (
        f"contacts read on {engine_name}: wrk -t{load.threads} for {load.seconds} s per run "
        f"after a {load.warmup_seconds} s warm-up; CPU in ms per request; other load in "
        "cores busy outside the server, PostgreSQL's backends and wrk"
    )


def read_table_row(result: LoadResult) -> str:
    database = result.database_cpu_ms_per_request
    return (
        f"{result.target:<16}{result.workers:>8}{result.connections:>6}"
        f"{result.requests_per_second:>9.1f}{result.latency_p50_ms:>9.1f}"
        f"{result.latency_p99_ms:>9.1f}{result.server_cpu_ms_per_request:>12.2f}"
        f"{'n/a' if database is None else f'{database:.2f}':>9}{result.other_cpu_cores:>12.2f}"
    )


def summary_lines(results: list[EngineResult]) -> list[str]:
    """Format one line per benchmark: medians per engine next to the target, then reads."""
    invites = ", ".join(f"{r.engine} {r.invite.median_seconds:.2f} s" for r in results)
    memory = ", ".join(f"{r.engine} {r.invite.traced_peak_bytes / MIB:.0f} MiB" for r in results)
    links = ", ".join(f"{r.engine} {r.link.median_seconds:.2f} s" for r in results)
    contacts = results[0].invite.contacts
    lines = [
        f"invite-all: {contacts} contacts in {invites} (median; target {INVITE_TARGET_S:g} s), "
        f"peak traced memory {memory}",
        f"link-type-category: {results[0].link.contacts} contacts in {links} "
        f"(median; target {LINK_TARGET_S:g} s)",
    ]
    for result in results:
        if result.reads:
            lines.extend(read_lines(result.engine, result.reads))
    return lines


def read_lines(engine: str, reads: list[LoadResult]) -> list[str]:
    """Format the read's summary: the fixed `contacts-read` line at the most connections
    measured, the same at each other connection count, then the one-worker relay-graph,
    relay-graph's ratio to the floor and the CPU per request."""
    counts = sorted({read.connections for read in reads}, reverse=True)
    main = counts[0]
    name = "contacts-read" if engine == "postgres" else f"contacts-read-{engine}"
    lines = [
        f"{name if count == main else f'{name}-{count}c'}: {rates_line(reads, count)}"
        for count in counts
    ]
    reference = "PostGraphile" if rate(reads, "PostGraphile", main) is not None else "floor"
    for target in sorted({read.target for read in reads}):
        if target.startswith("relay-graph-"):
            rates = ", ".join(
                f"{rate(reads, target, count) or 0:.0f} req/s at {count} connections "
                f"({target}/{reference} {ratio(reads, target, reference, count)})"
                for count in counts
            )
            lines.append(f"{name}-{target.removeprefix('relay-graph-')}: {target} {rates}")
    floor_ratios = ", ".join(
        f"{ratio(reads, 'relay-graph', 'floor', count)} at {count} connections" for count in counts
    )
    lines.append(f"{name}-floor: relay-graph/floor {floor_ratios}")
    lines.append(f"{name}-cpu: {cpu_line(reads, main)}")
    return lines


def rates_line(reads: list[LoadResult], connections: int) -> str:
    """Format `relay-graph N req/s, PostGraphile M req/s, floor F req/s, ratio R`. Without
    PostGraphile the ratio is n/a, and relay-graph's ratio to the floor follows."""
    relay = rate(reads, "relay-graph", connections) or 0.0
    floor = rate(reads, "floor", connections) or 0.0
    postgraphile = rate(reads, "PostGraphile", connections)
    if postgraphile is None:
        return (
            f"relay-graph {relay:.0f} req/s, PostGraphile n/a, floor {floor:.0f} req/s, "
            f"ratio n/a (relay-graph/floor {ratio(reads, 'relay-graph', 'floor', connections)})"
        )
    to_postgraphile = ratio(reads, "relay-graph", "PostGraphile", connections)
    return (
        f"relay-graph {relay:.0f} req/s, PostGraphile {postgraphile:.0f} req/s, "
        f"floor {floor:.0f} req/s, ratio {to_postgraphile}"
    )


def cpu_line(reads: list[LoadResult], connections: int) -> str:
    uses_database = any(read.database_cpu_ms_per_request is not None for read in reads)
    parts = []
    for read in reads:
        if read.connections != connections:
            continue
        figure = f"{read.server_cpu_ms_per_request:.2f}"
        if read.database_cpu_ms_per_request is not None:
            figure += f" + {read.database_cpu_ms_per_request:.2f}"
        parts.append(f"{read.target} {figure}")
    measured = "server + PostgreSQL" if uses_database else "server"
    return f"ms of CPU per request at {connections} connections, {measured}: " + ", ".join(parts)


def rate(reads: list[LoadResult], target: str, connections: int) -> float | None:
    """Return the target's requests/s at this connection count, or None if not measured."""
    return next(
        (
            read.requests_per_second
            for read in reads
            if read.target == target and read.connections == connections
        ),
        None,
    )


def ratio(reads: list[LoadResult], target: str, reference: str, connections: int) -> str:
    numerator = rate(reads, target, connections)
    denominator = rate(reads, reference, connections)
    return f"{numerator / denominator:.2f}" if numerator and denominator else "n/a"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--engines", default="sqlite,postgres", help="Comma-separated engines to run."
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("RELAY_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL),
        help="SQLAlchemy URL of a PostgreSQL database whose user may create databases; "
        "each run creates and drops its own database there.",
    )
    parser.add_argument(
        "--invite-contacts",
        type=int,
        default=10_000,
        help="Eligible contacts per invite-all tenant (a multiple of 10).",
    )
    parser.add_argument(
        "--invite-runs", type=int, default=3, help="Timed invite-all runs, each on its own tenant."
    )
    parser.add_argument(
        "--link-contacts",
        type=int,
        default=50_000,
        help="Contacts that hold the linked provider type.",
    )
    parser.add_argument("--link-runs", type=int, default=3, help="Timed linkTypeCategory runs.")
    parser.add_argument(
        "--read-seconds",
        type=int,
        default=15,
        help="Length of each measured wrk run in seconds; each server first gets a "
        "3-second warm-up.",
    )
    parser.add_argument(
        "--read-connections",
        type=connection_counts,
        default=(2, 8),
        help="Comma-separated wrk connection counts, one measured run each (default 2,8); "
        "the summary line contacts-read uses the largest.",
    )
    parser.add_argument("--skip-reads", action="store_true", help="Run only the write benchmarks.")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="JSON file for all figures; default var/bench/<UTC time>.json.",
    )
    return parser.parse_args()


def connection_counts(value: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(
            f"invalid connection counts {value!r}; expected positive integers such as 2,8"
        )
    return counts


def main() -> None:
    arguments = parse_arguments()
    engines = [name.strip() for name in arguments.engines.split(",") if name.strip()]
    started = time.perf_counter()
    uses_postgres = "postgres" in engines
    description = machine.describe(arguments.postgres_url if uses_postgres else None)
    print(json.dumps(description, indent=2), flush=True)

    with tempfile.TemporaryDirectory(prefix="relay-bench-logs-") as logs:
        results = [run_engine_in_child(name, arguments, Path(logs)) for name in engines]

    description["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    description["load_average_5m_at_end"] = round(os.getloadavg()[1], 2)
    output = arguments.output or Path("var/bench") / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    figures = {"machine": description, "results": [asdict(result) for result in results]}
    output.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {output}; whole run took {time.perf_counter() - started:.0f} s")
    print(
        "load average, 1 and 5 minutes: "
        f"{description['load_average_1m']} and {description['load_average_5m']} at the start, "
        f"{description['load_average_1m_at_end']} and {description['load_average_5m_at_end']} "
        "at the end"
    )
    print()
    for line in summary_lines(results):
        print(line)


if __name__ == "__main__":
    main()
