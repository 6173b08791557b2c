"""Property-based requests from schemathesis against our GraphQL endpoint under uvicorn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conformance.server import running_server

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
# 19 root fields times 40 examples: about 760 operations, about 30 s on a 2-core machine.
MAX_EXAMPLES_PER_FIELD = 40
MIN_OPERATIONS = 500
RUN_TIMEOUT_SECONDS = 300


def generated_operations(events_file: Path) -> int:
    """Count the requests schemathesis generated, from its NDJSON event report."""
    count = 0
    for line in events_file.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if finished:
            count += len(finished["recorder"]["cases"])
    return count


def test_schemathesis_finds_no_server_error(tmp_path: Path) -> None:
    events_file = tmp_path / "events.ndjson"

    # The rate limit is off: the run sends hundreds of requests with one token.
    with running_server(tmp_path, rate_limit_per_second="0") as server:
        result = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                server.url,
                "--header",
                f"Authorization: Bearer {server.admin_token}",
                "--checks",
                "no_unexpected_error,response_schema_conformance",
                "--max-examples",
                str(MAX_EXAMPLES_PER_FIELD),
                "--seed",
                "20261204",
                "--workers",
                "1",
                "--generation-database",
                "none",
                "--report",
                "ndjson",
                "--report-ndjson-path",
                str(events_file),
                "--no-color",
            ],
            env={
                **os.environ,
                "SCHEMATHESIS_HOOKS": "tests.conformance.schemathesis_checks",
                "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            },
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_SECONDS,
            check=False,
        )
        server_log = server.log_tail()

    assert result.returncode == 0, f"{result.stdout[-6000:]}\nserver log:\n{server_log}"
    assert generated_operations(events_file) >= MIN_OPERATIONS, result.stdout[-2000:]
