"""The read benchmark's parsing of wrk, its CPU accounting from /proc and its summary."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace

import pytest
from bench import machine
from bench.reads import WRK_FAILURE_COUNTER, LoadResult, parse_wrk
from bench.run import read_lines

WRK_OUTPUT = """Running 15s test @ http://127.0.0.1:8000/graphql
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    30.12ms    5.10ms  80.00ms   90.00%
  Latency Distribution
     50%   29.50ms
     75%   32.00ms
     90%   35.00ms
     99%    1.20s
  3000 requests in 15.00s, 90.00MB read
Requests/sec:    200.00
Transfer/sec:      6.00MB
"""

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the benchmark reads CPU times from /proc"
)


def test_parse_wrk_reads_rate_and_percentiles() -> None:
    report = parse_wrk("relay-graph", WRK_OUTPUT + f"{WRK_FAILURE_COUNTER}0\n")

    assert report.requests_per_second == 200.0
    assert report.requests == 3000
    assert report.latency_p50_ms == 29.5
    assert report.latency_p99_ms == 1200.0


@pytest.mark.parametrize(
    "extra",
    [
        "  Non-2xx or 3xx responses: 3\n" + f"{WRK_FAILURE_COUNTER}3\n",
        "  Socket errors: connect 0, read 0, write 0, timeout 2\n" + f"{WRK_FAILURE_COUNTER}0\n",
        f"{WRK_FAILURE_COUNTER}1\n",
        "",
    ],
    ids=["non-2xx", "socket-errors", "other-body", "counter-missing"],
)
def test_parse_wrk_rejects_failed_runs(extra: str) -> None:
    with pytest.raises(RuntimeError):
        parse_wrk("relay-graph", WRK_OUTPUT + extra)


def test_process_tree_contains_running_child() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        tree = machine.process_tree(os.getpid())
    finally:
        child.kill()
        child.wait()

    assert tree[0] == os.getpid()
    assert child.pid in tree


def test_cpu_snapshot_skips_ended_process() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()

    snapshot = machine.cpu_snapshot([os.getpid(), child.pid])

    assert list(snapshot) == [os.getpid()]
    assert snapshot[os.getpid()] > 0


def test_cpu_used_counts_new_and_ended_processes() -> None:
    used, ended = machine.cpu_used({1: 2.0, 2: 1.0}, {1: 2.5, 3: 0.25})

    assert used == pytest.approx(0.75)
    assert ended == 1


def load_result(target: str, connections: int, rate: float) -> LoadResult:
    return LoadResult(
        target=target,
        workers=2,
        connections=connections,
        seconds=15.0,
        requests=int(rate * 15),
        requests_per_second=rate,
        latency_p50_ms=10.0,
        latency_p99_ms=30.0,
        server_processes=4,
        server_processes_ended=0,
        server_cpu_seconds=10.0,
        server_cpu_ms_per_request=5.0,
        database_backends=10,
        database_backends_ended=0,
        database_cpu_seconds=3.0,
        database_cpu_ms_per_request=1.0,
        wrk_cpu_seconds=0.1,
        other_cpu_cores=0.0,
        load_average_1m_before=1.0,
        load_average_1m_after=1.5,
    )


def postgres_reads() -> list[LoadResult]:
    rates = {"relay-graph": 260.0, "relay-graph-1w": 150.0, "floor": 1500.0, "PostGraphile": 340.0}
    return [
        load_result(target, connections, rate / (2 if connections == 2 else 1))
        for target, rate in rates.items()
        for connections in (2, 8)
    ]


def test_read_summary_fixed_line() -> None:
    lines = read_lines("postgres", postgres_reads())

    assert lines[0] == (
        "contacts-read: relay-graph 260 req/s, PostGraphile 340 req/s, floor 1500 req/s, ratio 0.76"
    )
    assert lines[1].startswith("contacts-read-2c: relay-graph 130 req/s, PostGraphile 170 req/s")
    assert any(line.startswith("contacts-read-1w: relay-graph-1w 150 req/s") for line in lines)
    assert sum(1 for line in lines if line.startswith("contacts-read:")) == 1


def test_read_summary_sqlite_floor_ratio() -> None:
    reads = [
        replace(result, database_cpu_ms_per_request=None, database_cpu_seconds=None)
        for result in postgres_reads()
        if result.target != "PostGraphile"
    ]

    lines = read_lines("sqlite", reads)

    assert re.fullmatch(
        r"contacts-read-sqlite: relay-graph 260 req/s, PostGraphile n/a, floor 1500 req/s, "
        r"ratio n/a \(relay-graph/floor 0\.17\)",
        lines[0],
    )
    assert lines[-1].startswith(
        "contacts-read-sqlite-cpu: ms of CPU per request at 8 connections, server:"
    )
