"""Cleaning of single cell values: placeholders, line breaks, e-mails and postal codes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from relay_graph.domain.email import is_valid_email
from relay_graph.importing.records import IssueCode

# Compared after casefold() and removal of all whitespace, so "k. A." matches "k.a.".
# The escapes are an en dash and an em dash, which word processors put in place of "-".
PLACEHOLDERS = frozenset(
    {"-", "--", "---", "\u2013", "\u2014", "keine", "kein", "n/a", "n.a.", "k.a.", "none", "null"}
)

_LINE_BREAK = re.compile(r"\s*(?:\r\n|\r|\n)\s*")
_WHITESPACE = re.compile(r"\s+")
_EMAIL_SEPARATORS = re.compile(r"[;,\s]+")


def trim_cell(raw: str) -> str:
    """Join the lines of a multi-line cell with single spaces and strip the ends."""
    return _LINE_BREAK.sub(" ", raw).strip()


def is_placeholder(text: str) -> bool:
    """Tell whether a trimmed cell is empty or a placeholder for a missing value."""
    return _WHITESPACE.sub("", text).casefold() in PLACEHOLDERS or not text


@dataclass(frozen=True)
class EmailResult:
    """The address a contact record carries, whether it is valid, and the issue if any."""

    email: str | None
    valid: bool
    code: IssueCode | None = None


def parse_email(text: str) -> EmailResult:
    """Pick the contact's address from a trimmed cell.

    A valid address is lower-cased as a whole, so that the importer can match contacts
    by one spelling per address. RFC 5321 (section 2.4) allows a case-sensitive local
    part but discourages relying on it. An invalid address is kept as given, so that a
    person can correct it. A cell with several addresses yields the first valid one.
    """
    if is_placeholder(text):
        return EmailResult(None, False, IssueCode.MISSING_EMAIL)

    if is_valid_email(text):
        return EmailResult(text.lower(), True)

    parts = [part for part in _EMAIL_SEPARATORS.split(text) if part]
    if len(parts) > 1:
        for part in parts:
            if is_valid_email(part):
                return EmailResult(part.lower(), True, IssueCode.SEVERAL_EMAILS)

    return EmailResult(text, False, IssueCode.INVALID_EMAIL)


@dataclass(frozen=True)
class PostalCodeResult:
    """The postal code a record carries and the issue if any."""

    postal_code: str | None
    code: IssueCode | None = None


def parse_postal_code(text: str | None) -> PostalCodeResult:
    """Check a German postal code (five digits, kept as text for its leading zero).

    No German code starts with 00, so four digits not starting with 0 are taken as a
    code whose leading zero a spreadsheet removed, and get it back.
    """
    if text is None:
        return PostalCodeResult(None)

    if len(text) == 5 and text.isascii() and text.isdigit():
        return PostalCodeResult(text)

    # NOTE: the exports have no country column, so a four-digit Austrian or Swiss code
    # is padded too. The POSTAL_CODE_PADDED warning makes such a change visible.
    if len(text) == 4 and text.isascii() and text.isdigit() and text[0] != "0":
        return PostalCodeResult("0" + text, IssueCode.POSTAL_CODE_PADDED)

    return PostalCodeResult(text, IssueCode.INVALID_POSTAL_CODE)
