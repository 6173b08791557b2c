"""Write each message to a .eml file, so development and demos need no mail server."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from relay_graph.mail.failures import DeliveryError, DeliveryProblem
from relay_graph.mail.messages import OutgoingMessage

UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._@+-]")


def file_name(message_id: str) -> str:
    """Name the file after the Message-ID, so sending a message again overwrites its file."""
    return UNSAFE_FILE_CHARACTERS.sub("_", message_id.strip("<>")) + ".eml"


class FileSession:
    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def send(self, message: OutgoingMessage) -> None:
        try:
            await asyncio.to_thread(self._write, message)
        except OSError as error:
            raise DeliveryError(
                DeliveryProblem.WRITE_FAILED, f"{self._directory}: {error.strerror or error}",
                transport_down=True,
            ) from error

    def _write(self, message: OutgoingMessage) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        target = self._directory / file_name(message.message_id)
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(message.as_bytes())
        # The rename is atomic, so readers of the folder find no file or the whole message.
        os.replace(partial, target)


class FileTransport:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @asynccontextmanager
    async def session(self) -> AsyncIterator[FileSession]:
        yield FileSession(self.directory)
