"""Install the pinned npm packages of tests/conformance and find Node.js."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from tests.conformance.server import is_ci

PROJECT_DIR = Path(__file__).resolve().parent
NPM_CI_TIMEOUT_SECONDS = 300


def require_executable(name: str) -> str:
    """Return the path of `name`; fail under CI=true and skip elsewhere when it is missing."""
    path = shutil.which(name)
    if path is not None:
        return path
    message = f"{name} was not found on PATH; install Node.js and npm to run this suite"
    if is_ci():
        pytest.fail(message)
    pytest.skip(message)


def install_node_modules(npm: str) -> None:
    """Run `npm ci --ignore-scripts` unless node_modules matches package-lock.json already."""
    install_record = PROJECT_DIR / "node_modules" / ".package-lock.json"
    lockfile = PROJECT_DIR / "package-lock.json"
    if install_record.exists() and install_record.stat().st_mtime >= lockfile.stat().st_mtime:
        return
    result = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=NPM_CI_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"npm ci failed with exit code {result.returncode} in {PROJECT_DIR}:\n"
            f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
