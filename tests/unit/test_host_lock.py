from __future__ import annotations

import asyncio
from pathlib import Path

from relay_graph.host_lock import HostLock, lock_path


def test_second_holder_is_rejected(tmp_path: Path) -> None:
    first = HostLock(tmp_path / "job.lock")
    second = HostLock(tmp_path / "job.lock")

    assert first.try_acquire() is True
    assert second.try_acquire() is False
    first.release()
    assert second.try_acquire() is True
    second.release()


async def test_waiter_takes_over_after_release(tmp_path: Path) -> None:
    holder = HostLock(tmp_path / "job.lock")
    waiter = HostLock(tmp_path / "job.lock")
    assert holder.try_acquire()

    waiting = asyncio.create_task(waiter.acquire(retry_interval=0.05))
    await asyncio.sleep(0.2)
    still_waiting = not waiting.done()
    holder.release()
    await asyncio.wait_for(waiting, timeout=5)

    assert still_waiting
    assert waiter.try_acquire() is True
    waiter.release()


def test_lock_path_depends_on_scope() -> None:
    assert lock_path("outbox-worker", "sqlite:///a.db") != lock_path("outbox-worker", "sqlite:///b.db")
    assert lock_path("outbox-worker", "sqlite:///a.db") == lock_path("outbox-worker", "sqlite:///a.db")
