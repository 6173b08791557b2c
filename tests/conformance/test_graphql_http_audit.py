"""The GraphQL over HTTP audit of graphql-http 1.23.1 against our server under uvicorn."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conformance.node_project import PROJECT_DIR, install_node_modules, require_executable
from tests.conformance.server import running_server

AUDIT_TIMEOUT_SECONDS = 120
# Audit ids that may end in "warn"; every other audit must pass.
ACCEPTED_WARNINGS: frozenset[str] = frozenset()


def test_graphql_http_audit_passes(tmp_path: Path) -> None:
    node = require_executable("node")
    install_node_modules(require_executable("npm"))

    with running_server(tmp_path) as server:
        result = subprocess.run(
            [node, str(PROJECT_DIR / "audit.mjs"), server.url],
            cwd=PROJECT_DIR,
            env={**os.environ, "RELAY_AUDIT_TOKEN": server.admin_token},
            capture_output=True,
            text=True,
            timeout=AUDIT_TIMEOUT_SECONDS,
            check=False,
        )
        server_log = server.log_tail()

    assert result.returncode == 0, f"{result.stderr}\nserver log:\n{server_log}"
    audits = json.loads(result.stdout)
    errors = [audit for audit in audits if audit["status"] == "error"]
    warnings = [audit for audit in audits if audit["status"] == "warn"]
    assert len(audits) >= 60, f"the audit ran only {len(audits)} checks"
    assert errors == []
    assert [audit for audit in warnings if audit["id"] not in ACCEPTED_WARNINGS] == []
