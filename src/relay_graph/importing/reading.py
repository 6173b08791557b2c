"""Decoding of export bytes and splitting of the text into CSV rows with line numbers."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from relay_graph.importing.errors import FileErrorCode, ImportFileError

DELIMITERS = (";", ",", "\t")


# A multi-byte UTF-8 sequence: a lead byte and its continuation bytes, without overlong
# forms and surrogates. German text written as Windows-1252 rarely contains one (an
# estimate), because it would need a letter such as "Ã" followed by a symbol such as "¼".
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def decode_export(data: bytes, file_name: str) -> tuple[str, str]:
    """Decode an export and return its text and the codec name that decoded it.

    UTF-8 is tried strictly first, because cp1252 decodes almost any byte sequence and
    would turn UTF-8 umlauts into mojibake. Windows-1252 is the fallback for exports
    written by Windows programs, but only for files without a byte order mark and
    without any valid multi-byte UTF-8 sequence: a UTF-8 file with a few broken lines
    would otherwise be stored garbled as a whole. Such a file raises INVALID_UTF8 with
    the line of the first invalid byte. A UTF-16 byte order mark selects UTF-16, the
    encoding of Excel's "Unicode Text" format. UTF-32, and UTF-16 without a byte order
    mark, raise UNSUPPORTED_ENCODING.
    """
    # The UTF-32 little-endian mark starts with the UTF-16 one, so it is checked first.
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise ImportFileError(FileErrorCode.UNSUPPORTED_ENCODING, {"file_name": file_name})
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_or_raise(data, "utf-16", file_name), "utf-16"

    text, encoding = _decode_utf8_or_cp1252(data, file_name)
    if _has_zero_bytes_between_characters(text):
        raise ImportFileError(FileErrorCode.UNSUPPORTED_ENCODING, {"file_name": file_name})
    return text, encoding


def _has_zero_bytes_between_characters(text: str) -> bool:
    """Return whether the first non-blank line is at least a quarter NUL characters.

    UTF-16 without a byte order mark and UTF-32 put zero bytes between the letters of a
    header row, which read as UTF-8 become NUL characters in every cell.
    """
    first_line = next((line for line in split_lines(text[:4096]) if line.strip()), "")
    return first_line.count("\x00") * 4 >= len(first_line) > 0


def _decode_utf8_or_cp1252(data: bytes, file_name: str) -> tuple[str, str]:
    has_bom = data.startswith(codecs.BOM_UTF8)
    encoding = "utf-8-sig" if has_bom else "utf-8"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        if has_bom or _UTF8_MULTIBYTE.search(data):
            raise ImportFileError(
                FileErrorCode.INVALID_UTF8,
                {
                    "file_name": file_name,
                    "line": _line_of(data, error.start),
                    "position": error.start,
                },
            ) from error
        return _decode_or_raise(data, "cp1252", file_name), "cp1252"


def _line_of(data: bytes, position: int) -> int:
    """Return the physical line, counted from 1, that contains the byte at `position`."""
    before = data[:position].decode("utf-8-sig", errors="replace")
    # The appended character stands for the byte itself, so that a line end just before
    # it starts a new line.
    return len(split_lines(before + "x"))


def _decode_or_raise(data: bytes, encoding: str, file_name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ImportFileError(
            FileErrorCode.UNKNOWN_ENCODING,
            {"file_name": file_name, "position": error.start},
        ) from error


def split_lines(text: str) -> list[str]:
    """Split text at CR, LF and CRLF and keep the line ends, as the csv module expects."""
    return io.StringIO(text, newline="").readlines()


def delimiter_candidates(header_line: str) -> list[str]:
    """Return the delimiters found in the header line, the most frequent first.

    csv.Sniffer guesses from character frequencies and can pick a letter or a space.
    Here the caller tries each candidate until the header row names a known kind.
    """
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    found = [delimiter for delimiter in DELIMITERS if counts[delimiter] > 0]
    return sorted(found, key=lambda delimiter: -counts[delimiter])


@dataclass(frozen=True)
class CsvRow:
    """The cells of one CSV row and the physical line on which the row starts."""

    line: int
    cells: list[str]


def read_rows(lines: list[str], delimiter: str, file_name: str) -> Iterator[CsvRow]:
    """Yield the non-blank rows of the text, header row included.

    Raises ImportFileError(CELL_TOO_LONG) for a cell longer than the csv module's field
    limit, ImportFileError(MALFORMED_CSV) for another row that it cannot read and for an
    unclosed quote, which would otherwise swallow the rest of the file into
    a single cell.
    """
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', skipinitialspace=True)
    last_line = 0
    while True:
        start_line = last_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            # The csv module's message for a cell over csv.field_size_limit() characters.
            if str(error).startswith("field larger than field limit"):
                raise ImportFileError(
                    FileErrorCode.CELL_TOO_LONG,
                    {"file_name": file_name, "line": start_line, "limit": csv.field_size_limit()},
                ) from error
            raise ImportFileError(
                FileErrorCode.MALFORMED_CSV,
                {"file_name": file_name, "line": start_line, "detail": str(error)},
            ) from error

        last_line = reader.line_num
        if last_line == len(lines) and _ends_inside_quotes(lines[start_line - 1 :], delimiter):
            raise ImportFileError(
                FileErrorCode.MALFORMED_CSV,
                {"file_name": file_name, "line": start_line, "detail": "unclosed quote"},
            )

        if any(cell.strip() for cell in cells):
            yield CsvRow(start_line, cells)


def _ends_inside_quotes(row_lines: list[str], delimiter: str) -> bool:
    # The csv module (strict=False) silently ends an open quoted field at the end of
    # the input. A probe line after the row shows the state: it starts a new row unless
    # the quoted field is still open and absorbs it.
    probe = list(row_lines)
    if not probe[-1].endswith(("\n", "\r")):
        probe[-1] += "\n"
    probe.append("probe\n")
    rows = list(csv.reader(probe, delimiter=delimiter, quotechar='"', skipinitialspace=True))
    return len(rows) == 1
