from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class FileErrorCode(enum.StrEnum):
    """Reasons why a whole file cannot be parsed."""

    EMPTY_FILE = "EMPTY_FILE"
    UNKNOWN_ENCODING = "UNKNOWN_ENCODING"
    INVALID_UTF8 = "INVALID_UTF8"
    UNSUPPORTED_ENCODING = "UNSUPPORTED_ENCODING"
    UNKNOWN_KIND = "UNKNOWN_KIND"
    DUPLICATE_COLUMN = "DUPLICATE_COLUMN"
    MALFORMED_CSV = "MALFORMED_CSV"
    CELL_TOO_LONG = "CELL_TOO_LONG"


@dataclass
class ImportFileError(Exception):
    """A file that cannot be parsed at all. No records are returned.

    `params` always contains "file_name". The other keys depend on the code:

    - UNKNOWN_ENCODING: "position", the byte offset of the first undecodable byte.
    - INVALID_UTF8: "line", the physical line of the first byte that is not valid UTF-8
      in a file that is otherwise UTF-8, and "position", that byte's offset.
    - UNSUPPORTED_ENCODING: no other keys. The file is UTF-32, or UTF-16 without a byte
      order mark.
    - UNKNOWN_KIND: "found_headers", the headers in the file, and "expected_headers",
      the German header names per FileKind.
    - DUPLICATE_COLUMN: "column", the German column name, and "headers", the two
      headers as written in the file.
    - MALFORMED_CSV: "line", the first line of the unreadable row, and "detail", the
      reason in English.
    - CELL_TOO_LONG: "line", the first line of the row with the cell, and "limit", the
      maximum number of characters of a cell.
    """

    code: FileErrorCode
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.params}"
