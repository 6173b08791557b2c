"""Load-test the contacts read with wrk: relay-graph, the floor and PostGraphile, one at a time.

Each server runs alone as its own process tree on a free loopback port. It gets a warm-up
and then one wrk run of fixed length per connection count. Around each run the harness
reads from /proc the CPU time of the server's process tree and of the PostgreSQL backends
connected to the benchmark database. Before the load, one response of each server is
checked against relay-graph's. During the load, wrk counts every response whose status or
body differs from the checked one, and a single such response stops the run.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench import machine
from bench.databases import libpq_url
from bench.seed import SeededTenant

REPO = Path(__file__).resolve().parents[1]
POSTGRAPHILE_DIR = REPO / "bench" / "postgraphile"
SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 10.0
# `relay-graph serve` starts one worker per CPU unless RELAY_WORKERS is set.
DEFAULT_WORKERS = os.cpu_count() or 1

RELAY_GRAPH_QUERY = """
query Contacts {
  contacts(first: 50) {
    nodes {
      id firstName lastName company email category
      assignments { property { name } providerType { name } }
    }
  }
}
"""

# PostGraphile's names for the same data; the aliases give the JSON relay-graph's shape.
# Seeded contacts all have a last and a first name, so this order equals relay-graph's
# default order (last name, else company, then first name, then id).
POSTGRAPHILE_QUERY = """
query Contacts($tenantId: Int!) {
  contacts: allContacts(
    first: 50
    condition: {tenantId: $tenantId, archivedAt: null}
    orderBy: [LAST_NAME_ASC, FIRST_NAME_ASC, ID_ASC]
  ) {
    nodes {
      id: nodeId firstName lastName company email category
      assignments: assignmentsByContactIdList {
        property: propertyByPropertyId { name }
        providerType: providerTypeByProviderTypeId { name }
      }
    }
  }
}
"""

# Client backends of the benchmark database, without the harness's own connection. Other
# databases on the same server, autovacuum and PostgreSQL's background processes are not
# counted, because other engineers' tests share the server.
DATABASE_BACKENDS = """
SELECT pid FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend'
  AND pid <> pg_backend_pid()
"""

WRK_FAILURE_COUNTER = "unexpected responses: "

# Counts responses whose status or body differs from the reference, and `done` prints the sum.
WRK_RESPONSE_CHECK = """
local reference_file = assert(io.open({path}, "rb"))
local reference = reference_file:read("*a")
reference_file:close()
unexpected = 0
local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status ~= 200 or body ~= reference then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("unexpected")
  end
  io.write("{counter}" .. total .. "\\n")
end
"""


@dataclass(frozen=True)
class LoadSettings:
    """wrk's load. One wrk thread used less than a tenth of a core while the floor served
    2,000 requests/s on a 2-core development machine, so it does not limit the servers."""

    connection_counts: tuple[int, ...] = (2, 8)
    threads: int = 1
    warmup_seconds: int = 3
    seconds: int = 15
    timeout_seconds: int = 10


@dataclass(frozen=True)
class Target:
    name: str
    command: list[str]
    # None removes the variable from the environment the server inherits.
    environment: dict[str, str | None]
    workers: int
    port: int
    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"


@dataclass(frozen=True)
class WrkReport:
    requests_per_second: float
    requests: int
    latency_p50_ms: float
    latency_p99_ms: float


@dataclass(frozen=True)
class LoadResult:
    """One measured wrk run. CPU times cover the run's wall-clock window. The `database_*`
    fields are None on SQLite, which runs inside the server's processes."""

    target: str
    workers: int
    connections: int
    seconds: float
    requests: int
    requests_per_second: float
    latency_p50_ms: float
    latency_p99_ms: float
    server_processes: int
    # Server processes that ended during the run, such as a worker that uvicorn replaced.
    server_processes_ended: int
    server_cpu_seconds: float
    server_cpu_ms_per_request: float
    database_backends: int | None
    database_backends_ended: int | None
    database_cpu_seconds: float | None
    database_cpu_ms_per_request: float | None
    wrk_cpu_seconds: float
    # Cores busy with anything but the server, the database backends and wrk, averaged over
    # the run, such as other engineers' tests and PostgreSQL's background processes.
    other_cpu_cores: float
    load_average_1m_before: float
    load_average_1m_after: float


class DatabaseBackends:
    """Find the PostgreSQL backends serving the benchmark database, over one connection
    that stays open, so that looking them up starts and ends no backend itself."""

    def __init__(self, database_url: str) -> None:
        self._runner = asyncio.Runner()
        self._connection = self._runner.run(asyncpg.connect(libpq_url(database_url)))

    def pids(self) -> list[int]:
        rows = self._runner.run(self._connection.fetch(DATABASE_BACKENDS))
        return [int(row[0]) for row in rows]

    def close(self) -> None:
        try:
            self._runner.run(self._connection.close())
        finally:
            self._runner.close()


@contextmanager
def database_backends(engine_name: str, database_url: str) -> Iterator[DatabaseBackends | None]:
    if engine_name != "postgres":
        yield None
        return
    backends = DatabaseBackends(database_url)
    try:
        yield backends
    finally:
        backends.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def ensure_wrk() -> str:
    """Return the path of wrk, installing Debian's package first if it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError("wrk is missing; install it with `apt-get install -y wrk` and rerun")
    print("wrk is missing; installing Debian's package wrk", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("apt-get installed wrk, but it is not on PATH")
    return found


def ensure_postgraphile() -> None:
    """Install the pinned PostGraphile with `npm ci` unless its lockfile is installed already."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError(
            "Node.js and npm are needed for PostGraphile; install Debian's nodejs and npm"
        )
    installed_lock = POSTGRAPHILE_DIR / "node_modules" / ".package-lock.json"
    if installed_lock.exists():
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=POSTGRAPHILE_DIR,
        check=True,
    )


def relay_graph_target(database_url: str, tenant: SeededTenant, workers: int | None) -> Target:
    """Describe `relay-graph serve`. With `workers=None` RELAY_WORKERS stays unset, so it
    starts its default of one worker per CPU, as it is deployed."""
    port = free_port()
    environment: dict[str, str | None] = {
        "RELAY_DATABASE_URL": database_url,
        "RELAY_HOST": "127.0.0.1",
        "RELAY_PORT": str(port),
        "RELAY_WORKERS": None if workers is None else str(workers),
        # No line per request, as for the floor and PostGraphile.
        "RELAY_LOG_LEVEL": "WARNING",
        # The per-token rate limit (10 requests/s by default) would reject the load with 429.
        "RELAY_RATE_LIMIT_PER_SECOND": "0",
        # The write benchmarks left thousands of queued emails; delivering them would
        # compete with the requests for the CPU.
        "RELAY_OUTBOX_WORKER": "false",
    }
    return Target(
        "relay-graph" if workers is None else f"relay-graph-{workers}w",
        [str(Path(sys.executable).with_name("relay-graph")), "serve"],
        environment,
        DEFAULT_WORKERS if workers is None else workers,
        port,
        "/graphql",
        {"query": RELAY_GRAPH_QUERY},
        {"Authorization": f"Bearer {tenant.token}"},
    )


def floor_target(database_url: str, tenant: SeededTenant, workers: int) -> Target:
    """Describe the floor under uvicorn with as many workers as relay-graph's default."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.floor:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return Target(
        "floor",
        command,
        # The floor sizes its connection pool from RELAY_WORKERS, as relay-graph does.
        {"RELAY_DATABASE_URL": database_url, "RELAY_WORKERS": str(workers)},
        workers,
        port,
        "/contacts",
        {},
        {"Authorization": f"Bearer {tenant.token}"},
    )


def postgraphile_target(database_url: str, tenant: SeededTenant) -> Target:
    """Describe PostGraphile as one Node.js process in production mode."""
    port = free_port()
    return Target(
        "PostGraphile",
        ["node", str(POSTGRAPHILE_DIR / "server.js"), libpq_url(database_url), str(port)],
        {"NODE_ENV": "production"},
        1,
        port,
        "/graphql",
        {"query": POSTGRAPHILE_QUERY, "variables": {"tenantId": tenant.tenant_id}},
        {},
    )


def server_environment(target: Target) -> dict[str, str]:
    environment = dict(os.environ)
    for name, value in target.environment.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return environment


@contextmanager
def running(target: Target, log_directory: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start the target's server, wait until the benchmark request succeeds, stop it after."""
    log_path = log_directory / f"{target.name}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            target.command,
            cwd=REPO,
            env=server_environment(target),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_ready(target, process)
            yield process
        except Exception as error:
            # The log's directory is removed when the benchmark stops, so show its end here.
            stop(process)
            log_tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
            error.add_note(f"The end of {target.name}'s log:\n{log_tail}")
            raise
        finally:
            stop(process)


def wait_until_ready(target: Target, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{target.name} exited with {process.returncode} during startup")
        try:
            response = httpx.post(target.url, json=target.body, headers=target.headers, timeout=5)
            if response.status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{target.name} did not respond within {SERVER_START_TIMEOUT_S} s")
        time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(SERVER_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def fetch_contacts(target: Target) -> tuple[list[dict[str, Any]], bytes]:
    """Return the contacts of one response and the response body as sent, uncompressed."""
    headers = {**target.headers, "Accept-Encoding": "identity"}
    response = httpx.post(target.url, json=target.body, headers=headers, timeout=30)
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{target.name} failed with HTTP {response.status_code}: {body}")
    nodes: list[dict[str, Any]] = body["data"]["contacts"]["nodes"]
    return nodes, response.content


def comparable(nodes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Reduce contacts to what all servers return alike: the IDs differ in format, and
    PostGraphile orders a contact's assignments by its own key."""
    return [
        (
            node["firstName"],
            node["lastName"],
            node["company"],
            node["email"],
            node["category"],
            sorted(
                Counter(json.dumps(item, sort_keys=True) for item in node["assignments"]).items()
            ),
        )
        for node in nodes
    ]


def check_same_contacts(reference: Target, others: list[Target]) -> dict[str, bytes]:
    """Raise unless every server returns the 50 contacts relay-graph returns, and return each
    server's response body for the checks during the load.

    The floor and relay-graph with other worker counts must return the identical JSON.
    PostGraphile's IDs and order of assignments differ, so only the rest is compared.
    """
    expected, reference_body = fetch_contacts(reference)
    if len(expected) != 50:
        raise RuntimeError(f"{reference.name} returned {len(expected)} contacts, expected 50")
    bodies = {reference.name: reference_body}
    for target in others:
        actual, bodies[target.name] = fetch_contacts(target)
        same = (
            comparable(actual) == comparable(expected)
            if target.name == "PostGraphile"
            else actual == expected
        )
        if not same:
            raise RuntimeError(f"{target.name} returned other contacts than {reference.name}")
    return bodies


def wrk_script(target: Target, reference_body: bytes, directory: Path) -> Path:
    reference_path = directory / f"{target.name}.reference.json"
    reference_path.write_bytes(reference_body)
    headers = {"Content-Type": "application/json", **target.headers}
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(json.dumps(target.body))}",
        *(
            f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}"
            for name, value in headers.items()
        ),
        WRK_RESPONSE_CHECK.format(
            path=json.dumps(str(reference_path)), counter=WRK_FAILURE_COUNTER
        ),
    ]
    path = directory / f"{target.name}.lua"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_wrk(
    wrk: str, target: Target, script: Path, settings: LoadSettings, connections: int, seconds: int
) -> WrkReport:
    """Run wrk once and return its figures, or raise if any response failed or differed."""
    command = [
        wrk,
        f"-t{settings.threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={settings.timeout_seconds}s",
        "--latency",
        "-s",
        str(script),
        target.url,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse_wrk(target.name, completed.stdout)


def parse_wrk(target: str, output: str) -> WrkReport:
    """Read requests/s, the request count and latency percentiles from wrk's report."""
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failed requests against {target}:\n{output}")
    unexpected = re.search(re.escape(WRK_FAILURE_COUNTER) + r"(\d+)", output)
    if unexpected is None or int(unexpected.group(1)) != 0:
        raise RuntimeError(
            f"{target} sent responses other than the checked one (status 200 and the same "
            f"body), or wrk did not count them:\n{output}"
        )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    if not (rate and total and p50 and p99):
        raise RuntimeError(f"cannot read wrk's report for {target}:\n{output}")
    return WrkReport(
        float(rate.group(1)),
        int(total.group(1)),
        to_milliseconds(float(p50.group(1)), p50.group(2)),
        to_milliseconds(float(p99.group(1)), p99.group(2)),
    )


def to_milliseconds(value: float, unit: str) -> float:
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def children_cpu_seconds() -> float:
    """Return the CPU time of this process's children that have ended, such as wrk."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(
    wrk: str,
    target: Target,
    server: subprocess.Popen[bytes],
    script: Path,
    settings: LoadSettings,
    connections: int,
    backends: DatabaseBackends | None,
) -> LoadResult:
    """Load the running server with wrk once and count the CPU time used meanwhile."""
    backend_pids = backends.pids() if backends else []
    server_pids = machine.process_tree(server.pid)
    load_before = os.getloadavg()[0]
    server_before = machine.cpu_snapshot(server_pids)
    database_before = machine.cpu_snapshot(backend_pids)
    machine_before = machine.machine_busy_cpu_seconds()
    wrk_before = children_cpu_seconds()
    started = time.monotonic()

    report = run_wrk(wrk, target, script, settings, connections, settings.seconds)

    seconds = time.monotonic() - started
    wrk_cpu = children_cpu_seconds() - wrk_before
    machine_cpu = machine.machine_busy_cpu_seconds() - machine_before
    server_after_pids = machine.process_tree(server.pid)
    server_cpu, server_ended = machine.cpu_used(
        server_before, machine.cpu_snapshot(server_after_pids)
    )
    database_cpu: float | None = None
    ended: int | None = None
    if backends is not None:
        pids = sorted({*backend_pids, *backends.pids()})
        database_cpu, ended = machine.cpu_used(database_before, machine.cpu_snapshot(pids))
        backend_pids = pids

    return LoadResult(
        target=target.name,
        workers=target.workers,
        connections=connections,
        seconds=round(seconds, 2),
        requests=report.requests,
        requests_per_second=report.requests_per_second,
        latency_p50_ms=report.latency_p50_ms,
        latency_p99_ms=report.latency_p99_ms,
        server_processes=len(server_after_pids),
        server_processes_ended=server_ended,
        server_cpu_seconds=round(server_cpu, 2),
        server_cpu_ms_per_request=per_request_ms(server_cpu, report.requests),
        database_backends=None if backends is None else len(backend_pids),
        database_backends_ended=ended,
        database_cpu_seconds=None if database_cpu is None else round(database_cpu, 2),
        database_cpu_ms_per_request=(
            None if database_cpu is None else per_request_ms(database_cpu, report.requests)
        ),
        wrk_cpu_seconds=round(wrk_cpu, 2),
        other_cpu_cores=round(
            (machine_cpu - server_cpu - (database_cpu or 0.0) - wrk_cpu) / seconds, 2
        ),
        load_average_1m_before=round(load_before, 2),
        load_average_1m_after=round(os.getloadavg()[0], 2),
    )


def per_request_ms(cpu_seconds: float, requests: int) -> float:
    return round(cpu_seconds * 1000 / requests, 3) if requests else 0.0


def read_targets(engine_name: str, database_url: str, tenant: SeededTenant) -> list[Target]:
    """List the servers, with relay-graph at its default worker count first as the reference.
    PostGraphile runs on PostgreSQL only."""
    targets = [
        relay_graph_target(database_url, tenant, None),
        relay_graph_target(database_url, tenant, 1),
        floor_target(database_url, tenant, DEFAULT_WORKERS),
    ]
    if engine_name == "postgres":
        ensure_postgraphile()
        targets.append(postgraphile_target(database_url, tenant))
    return targets


def bench_contacts_read(
    engine_name: str, database_url: str, tenant: SeededTenant, settings: LoadSettings
) -> Iterator[LoadResult]:
    """Check that the servers agree, then load each alone and yield one result per server
    and connection count, as each run ends."""
    wrk = ensure_wrk()
    targets = read_targets(engine_name, database_url, tenant)
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="relay-read-")))
        backends = stack.enter_context(database_backends(engine_name, database_url))
        with ExitStack() as servers:
            for target in targets:
                servers.enter_context(running(target, directory))
            reference_bodies = check_same_contacts(targets[0], targets[1:])

        for target in targets:
            script = wrk_script(target, reference_bodies[target.name], directory)
            with running(target, directory) as server:
                warmup_connections = max(settings.connection_counts)
                run_wrk(wrk, target, script, settings, warmup_connections, settings.warmup_seconds)
                for connections in settings.connection_counts:
                    yield measure(wrk, target, server, script, settings, connections, backends)
