"""A lock that one process per host holds, so a background job runs once per host."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)


def lock_path(job: str, scope: str) -> Path:
    """Name the lock file after the job and a scope such as the database URL.

    Two services on one host that use different databases do not block each other.
    """
    digest = hashlib.sha256(scope.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"relay-graph-{job}-{digest}.lock"


class HostLock:
    """An exclusive `flock` on a file; the kernel releases it when the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        if self._file is not None:
            return True
        handle = open(self.path, "a+b")  # noqa: SIM115 - held open while the lock is held
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    async def acquire(self, retry_interval: float) -> None:
        """Wait until this process holds the lock, trying again every `retry_interval` s."""
        logged = False
        while not self.try_acquire():
            if not logged:
                logger.info(
                    "another process on this host has locked %s; waiting to take over",
                    self.path.name,
                    extra={"pid": os.getpid()},
                )
                logged = True
            await asyncio.sleep(retry_interval)

    def release(self) -> None:
        if self._file is None:
            return
        fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        self._file.close()
        self._file = None
