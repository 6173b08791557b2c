"""Run a real Unleash server (unleash-server 6.10.1 on Node.js) for integration tests.

Each `UnleashServer` gets its own PostgreSQL database and TCP port on 127.0.0.1, so flags
created by one run never leak into another. The Node.js project lives in
`tests/unleash_server`, and its `node_modules` is installed on first use with `npm ci`.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self
from urllib.parse import quote

import httpx
import pytest

logger = logging.getLogger(__name__)

SERVER_DIR = Path(__file__).resolve().parent.parent / "unleash_server"
SERVER_SCRIPT = SERVER_DIR / "server.js"
HOST = "127.0.0.1"
PROJECT = "default"
ENVIRONMENT = "development"

# The "engines" field of unleash-server 6.10.1 is ">=18 <21".
SUPPORTED_NODE_MAJOR_VERSIONS = range(18, 21)

NPM_CI_TIMEOUT_SECONDS = 600.0
# unleash-server 6.10.1 returned 200 from /health 2-3 s after launch on an empty database
# (this harness on a 2-core machine), so the default leaves room for a slow CI runner.
DEFAULT_STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
PSQL_TIMEOUT_SECONDS = 30.0
POLL_INTERVAL_SECONDS = 0.2
LOG_TAIL_LINES = 40
# A free port found by binding port 0 can be taken by another process before the
# server binds it, so the launch is retried with a new port this many times.
MAX_LAUNCH_ATTEMPTS = 3

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# psql exits with 2 when the connection to the server fails.
_PSQL_CONNECTION_FAILED = 2


class UnleashUnavailableError(RuntimeError):
    """Error for a missing or unreachable prerequisite: Node.js, npm, psql or PostgreSQL."""


class UnleashServerError(RuntimeError):
    """Error for an Unleash server that failed to install, start or respond to a request."""


class _PortInUseError(UnleashServerError):
    pass


def is_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def start_unleash_server_or_skip(**options: Any) -> UnleashServer:
    """Start an `UnleashServer`, or skip the calling test when a prerequisite is missing.

    Under CI=true a missing prerequisite raises `UnleashUnavailableError` instead of
    skipping. Any other failure raises in every environment.
    """
    server = UnleashServer(**options)
    try:
        return server.start()
    except UnleashUnavailableError as error:
        if is_ci():
            raise
        pytest.skip(f"Unleash server is unavailable: {error}")


class UnleashServer:
    """A throwaway unleash-server process with its own PostgreSQL database.

    Use it as a context manager, or call `start()` and `stop()` from a fixture.
    """

    def __init__(
        self,
        *,
        postgres_host: str = HOST,
        postgres_port: int = 5432,
        postgres_user: str = "postgres",
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT_SECONDS,
        request_timeout: float = 10.0,
    ) -> None:
        self._postgres = _PostgresAdmin(host=postgres_host, port=postgres_port, user=postgres_user)
        self._startup_timeout = startup_timeout
        self._request_timeout = request_timeout

        self.database_name = f"relay_unleash_{secrets.token_hex(6)}"
        self.admin_token = f"*:*.{secrets.token_hex(24)}"
        self.client_token = f"{PROJECT}:{ENVIRONMENT}.{secrets.token_hex(24)}"

        self.port: int | None = None
        self.startup_seconds: float | None = None
        self._database_created = False
        self._work_dir: Path | None = None
        self._log_file: IO[bytes] | None = None
        self._launch_log_offset = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._admin: httpx.Client | None = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("UnleashServer is not running: call start() first")
        return f"http://{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """API base URL in the form the Python `UnleashClient` expects."""
        return f"{self.base_url}/api"

    @property
    def log_path(self) -> Path | None:
        return None if self._work_dir is None else self._work_dir / "unleash-server.log"

    def start(self) -> Self:
        """Install node_modules if needed, create the database and wait for /health.

        Raises `UnleashUnavailableError` when Node.js, npm, psql or PostgreSQL is missing,
        and `UnleashServerError` when installation or startup fails. A failed start
        cleans up everything it created.
        """
        if self._process is not None:
            raise RuntimeError("UnleashServer is already running")

        node = _require_executable("node")
        npm = _require_executable("npm")
        _check_node_version(node)
        self._postgres.check_reachable()

        try:
            ensure_node_modules(npm)
            self._work_dir = Path(tempfile.mkdtemp(prefix="relay-unleash-"))
            self._postgres.create_database(self.database_name)
            self._database_created = True
            self._launch(node)
        except BaseException:
            try:
                self.stop()
            except Exception:
                logger.exception("Cleanup after a failed Unleash server start also failed")
            raise

        self._admin = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": self.admin_token},
            timeout=self._request_timeout,
            trust_env=False,
        )
        return self

    def stop(self) -> None:
        """Stop the process group and drop the database. Safe to call more than once.

        Every cleanup step runs even when an earlier one fails, and the first failure is
        raised at the end.
        """
        errors: list[BaseException] = []

        if self._admin is not None:
            self._admin.close()
            self._admin = None

        try:
            self._terminate_process()
        except Exception as error:
            logger.exception("Failed to stop unleash-server (database %s)", self.database_name)
            errors.append(error)

        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

        if self._database_created:
            try:
                self._postgres.drop_database(self.database_name)
                self._database_created = False
            except Exception as error:
                logger.exception("Failed to drop database %s", self.database_name)
                errors.append(error)

        if self._work_dir is not None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
            self._work_dir = None

        self.port = None
        if errors:
            raise errors[0]

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """Return the last `lines` lines of the server log without terminal color codes."""
        path = self.log_path
        if path is None or not path.exists():
            return ""
        text = _ANSI_ESCAPE.sub("", path.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(text.splitlines()[-lines:])

    def _log_since(self, offset: int) -> str:
        path = self.log_path
        if path is None or not path.exists():
            return ""
        with path.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", errors="replace")

    def create_context_field(self, name: str, *, description: str = "") -> None:
        """Create a context field, which a strategy constraint needs before it can use it."""
        self._admin_request(
            "POST",
            "/api/admin/context",
            json={"name": name, "description": description, "stickiness": False},
        )

    def create_flag(self, name: str, *, flag_type: str = "release", description: str = "") -> None:
        """Create a flag in the default project. Unleash rejects a name that already exists."""
        self._admin_request(
            "POST",
            f"/api/admin/projects/{PROJECT}/features",
            json={
                "name": name,
                "type": flag_type,
                "description": description,
                "impressionData": False,
            },
        )

    def add_strategy_with_constraint(
        self,
        flag: str,
        context_name: str,
        values: Sequence[str],
        *,
        rollout_percent: int = 100,
    ) -> str:
        """Add a flexibleRollout strategy with an IN constraint to the development environment.

        Returns the id of the new strategy.
        """
        strategy = {
            "name": "flexibleRollout",
            "parameters": {
                "rollout": str(rollout_percent),
                "stickiness": "default",
                "groupId": flag,
            },
            "constraints": [
                {
                    "contextName": context_name,
                    "operator": "IN",
                    "values": list(values),
                    "caseInsensitive": False,
                    "inverted": False,
                }
            ],
        }
        response = self._admin_request(
            "POST", f"{self._environment_path(flag)}/strategies", json=strategy
        )
        strategy_id: str = response.json()["id"]
        return strategy_id

    def enable(self, flag: str) -> None:
        self._admin_request("POST", f"{self._environment_path(flag)}/on")

    def disable(self, flag: str) -> None:
        self._admin_request("POST", f"{self._environment_path(flag)}/off")

    def client_features(self) -> list[dict[str, Any]]:
        """Fetch /api/client/features with the client token, as an SDK would."""
        response = httpx.get(
            f"{self.url}/client/features",
            headers={"Authorization": self.client_token},
            timeout=self._request_timeout,
            trust_env=False,
        )
        _raise_for_status(response)
        features: list[dict[str, Any]] = response.json()["features"]
        return features

    def wait_for_client_state(self, flag: str, enabled: bool, timeout: float = 10.0) -> None:
        """Poll the client API until `flag` is present with the given `enabled` state.

        An admin change takes about a second to reach /api/client/features.
        Raises `TimeoutError` with the last observed state when `timeout` seconds pass.
        """
        deadline = time.monotonic() + timeout
        while True:
            observed = self._client_flag_state(flag)
            if observed == enabled:
                return
            if time.monotonic() >= deadline:
                state = "missing" if observed is None else f"enabled={observed}"
                raise TimeoutError(
                    f"timed out after {timeout} s waiting for flag {flag!r} to reach "
                    f"enabled={enabled} on {self.url}/client/features; last state: {state}"
                )
            time.sleep(POLL_INTERVAL_SECONDS)

    def _client_flag_state(self, flag: str) -> bool | None:
        for feature in self.client_features():
            if feature["name"] == flag:
                return bool(feature["enabled"])
        return None

    def _environment_path(self, flag: str) -> str:
        flag_segment = quote(flag, safe="")
        return f"/api/admin/projects/{PROJECT}/features/{flag_segment}/environments/{ENVIRONMENT}"

    def _admin_request(
        self, method: str, path: str, *, json: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        if self._admin is None:
            raise RuntimeError("UnleashServer is not running: call start() first")
        response = self._admin.request(method, path, json=json)
        _raise_for_status(response)
        return response

    def _launch(self, node: str) -> None:
        started = time.monotonic()
        for attempt in range(1, MAX_LAUNCH_ATTEMPTS + 1):
            self.port = _find_free_port()
            self._spawn(node)
            try:
                self._wait_for_health()
            except _PortInUseError:
                logger.warning(
                    "Port %d was taken before unleash-server bound it (attempt %d of %d)",
                    self.port,
                    attempt,
                    MAX_LAUNCH_ATTEMPTS,
                )
                self._terminate_process()
                continue
            self.startup_seconds = time.monotonic() - started
            logger.info(
                "unleash-server is up on %s after %.1f s (database %s)",
                self.base_url,
                self.startup_seconds,
                self.database_name,
            )
            return
        raise UnleashServerError(
            f"unleash-server found its port in use on {MAX_LAUNCH_ATTEMPTS} attempts; "
            f"log tail:\n{self.log_tail()}"
        )

    def _spawn(self, node: str) -> None:
        assert self.port is not None
        assert self.log_path is not None
        if self._log_file is None:
            self._log_file = self.log_path.open("ab")
        self._launch_log_offset = self._log_file.tell()

        environment = {
            "PATH": os.environ.get("PATH", os.defpath),
            "LANG": "C.UTF-8",
            "NODE_ENV": "production",
            "HTTP_HOST": HOST,
            "HTTP_PORT": str(self.port),
            "DATABASE_URL": self._postgres.database_url(self.database_name),
            "INIT_ADMIN_API_TOKENS": self.admin_token,
            "INIT_CLIENT_API_TOKENS": self.client_token,
            "LOG_LEVEL": "info",
        }
        logger.info(
            "Starting unleash-server on %s:%d (database %s)", HOST, self.port, self.database_name
        )
        # NOTE: the server runs in its own session, so if the test process is killed with SIGKILL
        # the server keeps running and its relay_unleash_* database stays until dropped by hand.
        self._process = subprocess.Popen(
            [node, str(SERVER_SCRIPT)],
            cwd=SERVER_DIR,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _wait_for_health(self) -> None:
        assert self._process is not None
        health_url = f"{self.base_url}/health"
        deadline = time.monotonic() + self._startup_timeout
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while True:
                return_code = self._process.poll()
                if return_code is not None:
                    tail = self.log_tail()
                    if "EADDRINUSE" in self._log_since(self._launch_log_offset):
                        raise _PortInUseError(f"port {self.port} is in use")
                    raise UnleashServerError(
                        f"unleash-server exited with code {return_code} before {health_url} "
                        f"returned 200; log tail:\n{tail}"
                    )
                try:
                    if client.get(health_url).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() >= deadline:
                    raise UnleashServerError(
                        f"timed out after {self._startup_timeout} s waiting for {health_url} "
                        f"to return 200; log tail:\n{self.log_tail()}"
                    )
                time.sleep(POLL_INTERVAL_SECONDS)

    def _terminate_process(self) -> None:
        """Send SIGTERM to the process group, then SIGKILL if it is still alive after a timeout."""
        process = self._process
        if process is None:
            return
        self._process = None
        if process.poll() is not None:
            return

        # start_new_session=True made the node process the leader of its own group.
        group_id = process.pid
        _signal_group(group_id, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            logger.warning(
                "unleash-server (pid %d) ignored SIGTERM for %.0f s, sending SIGKILL",
                group_id,
                STOP_TIMEOUT_SECONDS,
            )
            _signal_group(group_id, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        logger.info("unleash-server (pid %d) exited with code %d", group_id, process.returncode)


class _PostgresAdmin:
    """Creates and drops databases through the `psql` command-line client."""

    def __init__(self, *, host: str, port: int, user: str) -> None:
        self.host = host
        self.port = port
        self.user = user

    def database_url(self, database: str) -> str:
        return f"postgres://{quote(self.user, safe='')}@{self.host}:{self.port}/{database}"

    def check_reachable(self) -> None:
        result = self._run_psql("SELECT 1")
        if result.returncode == _PSQL_CONNECTION_FAILED:
            raise UnleashUnavailableError(
                f"cannot connect to PostgreSQL at {self.host}:{self.port} as {self.user}: "
                f"{result.stderr.strip()}"
            )
        _check_psql_result(result, "SELECT 1")

    def create_database(self, name: str) -> None:
        statement = f"CREATE DATABASE {_quote_database_name(name)}"
        _check_psql_result(self._run_psql(statement), statement)
        logger.info("Created database %s on %s:%d", name, self.host, self.port)

    def drop_database(self, name: str) -> None:
        # FORCE (PostgreSQL 13+) ends connections that a killed server left open.
        statement = f"DROP DATABASE IF EXISTS {_quote_database_name(name)} WITH (FORCE)"
        _check_psql_result(self._run_psql(statement), statement)
        logger.info("Dropped database %s on %s:%d", name, self.host, self.port)

    def _run_psql(self, statement: str) -> subprocess.CompletedProcess[str]:
        psql = _require_executable("psql")
        command = [
            psql,
            "--no-psqlrc",
            "--quiet",
            "--set=ON_ERROR_STOP=1",
            f"--host={self.host}",
            f"--port={self.port}",
            f"--username={self.user}",
            "--dbname=postgres",
            f"--command={statement}",
        ]
        try:
            return subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=PSQL_TIMEOUT_SECONDS,
                env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise UnleashServerError(
                f"psql timed out after {PSQL_TIMEOUT_SECONDS} s running {statement!r} "
                f"against {self.host}:{self.port}"
            ) from error


def ensure_node_modules(npm: str) -> None:
    """Run `npm ci --ignore-scripts` in tests/unleash_server unless node_modules is current.

    node_modules counts as current when npm's own record of the install,
    node_modules/.package-lock.json, is at least as new as package-lock.json.
    A file lock keeps parallel test processes from installing at the same time.
    """
    with _install_lock():
        if _node_modules_is_current():
            return
        command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
        logger.info("Running %s in %s", " ".join(command[1:]), SERVER_DIR)
        started = time.monotonic()
        try:
            result = subprocess.run(
                command,
                cwd=SERVER_DIR,
                capture_output=True,
                text=True,
                timeout=NPM_CI_TIMEOUT_SECONDS,
                env={**os.environ, "SCARF_ANALYTICS": "false"},
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise UnleashServerError(
                f"npm ci timed out after {NPM_CI_TIMEOUT_SECONDS} s in {SERVER_DIR}"
            ) from error
        if result.returncode != 0:
            output = "\n".join((result.stdout + result.stderr).splitlines()[-LOG_TAIL_LINES:])
            raise UnleashServerError(
                f"npm ci failed with exit code {result.returncode} in {SERVER_DIR}:\n{output}"
            )
        logger.info("npm ci finished in %.1f s", time.monotonic() - started)


def _node_modules_is_current() -> bool:
    install_record = SERVER_DIR / "node_modules" / ".package-lock.json"
    lockfile = SERVER_DIR / "package-lock.json"
    if not install_record.exists():
        return False
    return install_record.stat().st_mtime >= lockfile.stat().st_mtime


@contextmanager
def _install_lock() -> Iterator[None]:
    # The lock lives outside the work tree and is keyed by its path, so separate
    # checkouts do not wait for each other.
    key = hashlib.sha256(str(SERVER_DIR).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"relay-unleash-npm-{key}.lock"
    with lock_path.open("w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _require_executable(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise UnleashUnavailableError(
            f"{name} was not found on PATH; install it to run the Unleash tests"
        )
    return path


def _check_node_version(node: str) -> None:
    result = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    version = result.stdout.strip()
    match = re.fullmatch(r"v(\d+)\.\d+\.\d+.*", version)
    if result.returncode != 0 or match is None:
        raise UnleashUnavailableError(
            f"`node --version` failed (exit code {result.returncode}, output {version!r})"
        )
    if int(match.group(1)) not in SUPPORTED_NODE_MAJOR_VERSIONS:
        first = SUPPORTED_NODE_MAJOR_VERSIONS.start
        last = SUPPORTED_NODE_MAJOR_VERSIONS.stop - 1
        raise UnleashUnavailableError(
            f"unleash-server 6.10.1 needs Node.js {first} to {last}, but node is {version}"
        )


def _find_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _signal_group(group_id: int, signal_number: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(group_id, signal_number)


def _quote_database_name(name: str) -> str:
    if not _DATABASE_NAME.fullmatch(name):
        raise ValueError(
            f"invalid database name {name!r}: expected lowercase letters, digits and underscores"
        )
    return f'"{name}"'


def _check_psql_result(result: subprocess.CompletedProcess[str], statement: str) -> None:
    if result.returncode != 0:
        raise UnleashServerError(
            f"psql failed with exit code {result.returncode} running {statement!r}: "
            f"{result.stderr.strip()}"
        )


def _raise_for_status(response: httpx.Response) -> None:
    if response.is_success:
        return
    request = response.request
    raise UnleashServerError(
        f"{request.method} {request.url.path} failed with HTTP {response.status_code}: "
        f"{response.text[:500]}"
    )
