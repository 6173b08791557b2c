"""Load-test the contacts read with wrk: relay-graph, the floor and PostGraphile, one at a time.

Each server runs alone as its own process on a free loopback port, gets a warm-up, and
then one wrk run of fixed length. Before the load, one response of each server is
checked against relay-graph's, so all three return the same contacts.
"""

from __future__ import annotations

import json
import os
import re
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

import httpx

from bench.databases import libpq_url
from bench.seed import SeededTenant

REPO = Path(__file__).resolve().parents[1]
POSTGRAPHILE_DIR = REPO / "bench" / "postgraphile"
SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 10.0

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


@dataclass(frozen=True)
class LoadSettings:
    """wrk's load: a page takes tens of milliseconds of database time on 50,000 contacts,
    so four connections keep two cores busy without queueing requests past the timeout."""

    threads: int = 1
    connections: int = 4
    warmup_seconds: int = 3
    seconds: int = 15
    timeout_seconds: int = 10


@dataclass(frozen=True)
class Target:
    name: str
    command: list[str]
    environment: dict[str, str]
    port: int
    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"


@dataclass(frozen=True)
class LoadResult:
    target: str
    requests_per_second: float
    requests: int
    latency_p50_ms: float
    latency_p99_ms: float


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


def relay_graph_target(database_url: str, tenant: SeededTenant) -> Target:
    port = free_port()
    environment = {
        "RELAY_DATABASE_URL": database_url,
        "RELAY_HOST": "127.0.0.1",
        "RELAY_PORT": str(port),
        # One process, as the floor and PostGraphile run; serve starts one per CPU by default.
        "RELAY_WORKERS": "1",
        # No line per request, as for the floor and PostGraphile.
        "RELAY_LOG_LEVEL": "WARNING",
        # The per-token rate limit (10 requests/s by default) would reject the load with 429.
        "RELAY_RATE_LIMIT_PER_SECOND": "0",
        # The write benchmarks left thousands of queued emails; delivering them would
        # compete with the requests for the CPU.
        "RELAY_OUTBOX_WORKER": "false",
    }
    return Target(
        "relay-graph",
        [str(Path(sys.executable).with_name("relay-graph")), "serve"],
        environment,
        port,
        "/graphql",
        {"query": RELAY_GRAPH_QUERY},
        {"Authorization": f"Bearer {tenant.token}"},
    )


def floor_target(database_url: str, tenant: SeededTenant) -> Target:
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
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return Target(
        "floor",
        command,
        {"RELAY_DATABASE_URL": database_url},
        port,
        "/contacts",
        {},
        {"Authorization": f"Bearer {tenant.token}"},
    )


def postgraphile_target(database_url: str, tenant: SeededTenant) -> Target:
    port = free_port()
    return Target(
        "PostGraphile",
        ["node", str(POSTGRAPHILE_DIR / "server.js"), libpq_url(database_url), str(port)],
        {"NODE_ENV": "production"},
        port,
        "/graphql",
        {"query": POSTGRAPHILE_QUERY, "variables": {"tenantId": tenant.tenant_id}},
        {},
    )


@contextmanager
def running(target: Target, log_directory: Path) -> Iterator[None]:
    """Start the target's server, wait until the benchmark request succeeds, stop it after."""
    log_path = log_directory / f"{target.name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            target.command,
            cwd=REPO,
            env={**os.environ, **target.environment},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_ready(target, process, log_path)
            yield
        finally:
            stop(process)


def wait_until_ready(target: Target, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"{target.name} exited with {process.returncode} during startup; see {log_path}"
            )
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


def fetch_contacts(target: Target) -> list[dict[str, Any]]:
    response = httpx.post(target.url, json=target.body, headers=target.headers, timeout=30)
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{target.name} failed with HTTP {response.status_code}: {body}")
    nodes: list[dict[str, Any]] = body["data"]["contacts"]["nodes"]
    return nodes


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


def check_same_contacts(reference: Target, others: list[Target]) -> None:
    """Raise unless every server returns the 50 contacts relay-graph returns."""
    expected = fetch_contacts(reference)
    if len(expected) != 50:
        raise RuntimeError(f"relay-graph returned {len(expected)} contacts, expected 50")
    for target in others:
        actual = fetch_contacts(target)
        same = (
            actual == expected
            if target.name == "floor"
            else comparable(actual) == comparable(expected)
        )
        if not same:
            raise RuntimeError(f"{target.name} returned other contacts than relay-graph")


def wrk_script(target: Target, directory: Path) -> Path:
    headers = {"Content-Type": "application/json", **target.headers}
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(json.dumps(target.body))}",
        *(
            f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}"
            for name, value in headers.items()
        ),
    ]
    path = directory / f"{target.name}.lua"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_wrk(wrk: str, target: Target, script: Path, settings: LoadSettings, seconds: int) -> str:
    command = [
        wrk,
        f"-t{settings.threads}",
        f"-c{settings.connections}",
        f"-d{seconds}s",
        f"--timeout={settings.timeout_seconds}s",
        "--latency",
        "-s",
        str(script),
        target.url,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    return completed.stdout


def parse_wrk(target: str, output: str) -> LoadResult:
    """Read requests/s, the request count and latency percentiles from wrk's report."""
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failed requests against {target}:\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    if not (rate and total and p50 and p99):
        raise RuntimeError(f"cannot read wrk's report for {target}:\n{output}")
    return LoadResult(
        target,
        float(rate.group(1)),
        int(total.group(1)),
        to_milliseconds(float(p50.group(1)), p50.group(2)),
        to_milliseconds(float(p99.group(1)), p99.group(2)),
    )


def to_milliseconds(value: float, unit: str) -> float:
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def bench_contacts_read(
    engine_name: str, database_url: str, tenant: SeededTenant, settings: LoadSettings
) -> list[LoadResult]:
    """Check that the servers agree, then load each alone; PostGraphile only on PostgreSQL."""
    wrk = ensure_wrk()
    targets = [relay_graph_target(database_url, tenant), floor_target(database_url, tenant)]
    if engine_name == "postgres":
        ensure_postgraphile()
        targets.append(postgraphile_target(database_url, tenant))

    results = []
    with tempfile.TemporaryDirectory(prefix="relay-bench-read-") as work:
        directory = Path(work)
        with ExitStack() as servers:
            for target in targets:
                servers.enter_context(running(target, directory))
            check_same_contacts(targets[0], targets[1:])

        for target in targets:
            script = wrk_script(target, directory)
            with running(target, directory):
                run_wrk(wrk, target, script, settings, settings.warmup_seconds)
                output = run_wrk(wrk, target, script, settings, settings.seconds)
            results.append(parse_wrk(target.name, output))
    return results
