from __future__ import annotations

import re
import secrets

# Crockford base32: digits and capitals without I, L, O and U.
CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
GROUP_LENGTH = 5

_INPUT_TRANSLATION = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")


def generate_provider_code() -> str:
    """Draw a new code (50 bits) from the operating system's cryptographic source."""
    # One draw of 50 random bits, read as ten 5-bit digits, costs less than ten
    # separate choices and gives the same uniform distribution.
    value = secrets.randbits(CODE_LENGTH * 5)
    raw = "".join(
        CROCKFORD_ALPHABET[(value >> shift) & 31] for shift in range(0, CODE_LENGTH * 5, 5)
    )
    return format_provider_code(raw)


def format_provider_code(raw: str) -> str:
    """Write a normalized code as two groups of five, e.g. `7KQ2M-XH4PD`."""
    return f"{raw[:GROUP_LENGTH]}-{raw[GROUP_LENGTH:]}"


def normalize_provider_code(entered: str) -> str | None:
    """Turn what a person typed into the stored form, or None if it cannot be a code.

    Case, spaces and hyphens are ignored; O reads as 0, I and L read as 1.
    """
    compact = _SEPARATORS.sub("", entered)
    # Reject non-ASCII before upper(), which turns some letters into two ASCII ones ("ß" to "SS").
    if not compact.isascii():
        return None

    compact = compact.upper().translate(_INPUT_TRANSLATION)
    if len(compact) != CODE_LENGTH:
        return None
    if any(character not in CROCKFORD_ALPHABET for character in compact):
        return None
    return format_provider_code(compact)
