"""Parsing of the files of one import command, in the order they must be stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from relay_graph.importing.errors import ImportFileError
from relay_graph.importing.parser import parse_export
from relay_graph.importing.records import FileKind, ParsedFile

# Contacts and properties go first, so that responsibilities find them whatever the
# order of the files on the command line.
_KIND_ORDER = {FileKind.CONTACTS: 0, FileKind.PROPERTIES: 0, FileKind.RESPONSIBILITIES: 1}


@dataclass(frozen=True)
class UnreadableFile:
    """A file that could not be opened (OSError) or parsed as a whole (ImportFileError)."""

    path: Path
    error: ImportFileError | OSError


def parse_files(paths: Sequence[Path]) -> tuple[list[ParsedFile], list[UnreadableFile]]:
    """Parse every file and return the parsed ones in import order, and the failures.

    Files of the same rank keep their command-line order.
    """
    parsed_files: list[ParsedFile] = []
    unreadable: list[UnreadableFile] = []
    for path in paths:
        try:
            parsed_files.append(parse_export(path))
        except (ImportFileError, OSError) as error:
            unreadable.append(UnreadableFile(path, error))
    parsed_files.sort(key=lambda parsed: _KIND_ORDER[parsed.kind])
    return parsed_files, unreadable
