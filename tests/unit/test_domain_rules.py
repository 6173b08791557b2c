from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from relay_graph.domain.codes import (
    CROCKFORD_ALPHABET,
    generate_provider_code,
    normalize_provider_code,
)
from relay_graph.domain.status import RelayStatus, derive_relay_status
from relay_graph.i18n import negotiate_language

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LIVE = NOW + timedelta(days=3)
EXPIRED = NOW - timedelta(days=3)
CODE_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")


@pytest.mark.parametrize(
    ("has_category", "email_valid", "registered", "code_expires_at", "expected"),
    [
        # Without a category nothing else counts, not even a registration.
        (False, True, False, None, RelayStatus.NO_CATEGORY),
        (False, True, True, LIVE, RelayStatus.NO_CATEGORY),
        (False, False, False, EXPIRED, RelayStatus.NO_CATEGORY),
        # Registered wins over a live code and over a missing email.
        (True, True, True, None, RelayStatus.REGISTERED),
        (True, False, True, LIVE, RelayStatus.REGISTERED),
        (True, False, True, EXPIRED, RelayStatus.REGISTERED),
        # A live code wins over an email that became invalid later.
        (True, True, False, LIVE, RelayStatus.INVITED),
        (True, False, False, LIVE, RelayStatus.INVITED),
        # Without a valid email an expired code cannot be renewed.
        (True, False, False, None, RelayStatus.NO_EMAIL),
        (True, False, False, EXPIRED, RelayStatus.NO_EMAIL),
        (True, True, False, EXPIRED, RelayStatus.EXPIRED),
        (True, True, False, None, RelayStatus.INVITABLE),
        # A code that expires exactly now is no longer live.
        (True, True, False, NOW, RelayStatus.EXPIRED),
    ],
)
def test_derive_relay_status_precedence(
    has_category: bool,
    email_valid: bool,
    registered: bool,
    code_expires_at: datetime | None,
    expected: RelayStatus,
) -> None:
    status = derive_relay_status(
        has_category=has_category,
        email_valid=email_valid,
        registered=registered,
        active_code_expires_at=code_expires_at,
        now=NOW,
    )

    assert status is expected


@pytest.mark.parametrize(
    ("entered", "expected"),
    [
        ("7KQ2M-XH4PD", "7KQ2M-XH4PD"),
        ("7kq2m-xh4pd", "7KQ2M-XH4PD"),
        ("7KQ2MXH4PD", "7KQ2M-XH4PD"),
        ("  7KQ2M XH4PD  ", "7KQ2M-XH4PD"),
        ("7 K Q 2 M - X H 4 P D", "7KQ2M-XH4PD"),
        ("7KQ2M--XH4PD", "7KQ2M-XH4PD"),
        ("7KQ2M\tXH4PD\n", "7KQ2M-XH4PD"),
        ("OOOOO-ooooo", "00000-00000"),
        ("IIIII-lllll", "11111-11111"),
        ("iL1I0-O0oLl", "11110-00011"),
    ],
)
def test_normalize_provider_code_accepts(entered: str, expected: str) -> None:
    assert normalize_provider_code(entered) == expected


@pytest.mark.parametrize(
    "entered",
    [
        "",
        "   ",
        "7KQ2M-XH4P",  # 9 characters
        "7KQ2M-XH4PDA",  # 11 characters
        "7KQ2M-XH4PU",  # U is not in the alphabet
        "7KQ2M-XH4P*",
        "7KQ2M_XH4PD",  # underscore is no separator
        "7KQ2M.XH4PD",
        "7KQ2M-XH4PÄ",
        # "ß".upper() is "SS": a 9-character input must not grow into a valid code.
        "7KQ2M-XH4ß",
        # "ﬁ".upper() is "FI", which would map to "F1".
        "7KQ2M-XH4ﬁ",
        # Full-width digits are not ASCII digits.
        "7KQ2M-XH4P\uff11",
    ],
)
def test_normalize_provider_code_rejects(entered: str) -> None:
    assert normalize_provider_code(entered) is None


def test_generate_provider_code_format() -> None:
    codes = [generate_provider_code() for _ in range(2000)]

    for code in codes:
        assert CODE_PATTERN.fullmatch(code), code
    # By the birthday bound, 2000 draws of 50 bits collide with a probability of about 2e-9.
    assert len(set(codes)) == len(codes)


def test_generate_provider_code_uses_whole_alphabet() -> None:
    characters = Counter("".join(generate_provider_code().replace("-", "") for _ in range(2000)))

    # 20000 characters: each of the 32 is expected about 625 times.
    assert set(characters) == set(CROCKFORD_ALPHABET)
    assert not set(characters) & set("ILOU")


def test_generated_code_normalizes_to_itself() -> None:
    code = generate_provider_code()

    assert normalize_provider_code(code) == code
    assert normalize_provider_code(code.lower().replace("-", " ")) == code


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "de"),
        ("", "de"),
        ("en", "en"),
        ("EN-us", "en"),
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("en-US,en;q=0.9,de;q=0.8", "en"),
        ("de;q=0.5, en;q=0.9", "en"),
        ("en;q=0.5, de;q=0.9", "de"),
        # Equal quality: the earlier entry wins.
        ("en, de", "en"),
        ("de, en", "de"),
        ("en;q=0.7, de;q=0.7", "en"),
        # Unsupported languages are skipped, then German is the fallback.
        ("fr", "de"),
        ("fr-FR, it;q=0.9", "de"),
        ("fr, en;q=0.5", "en"),
        ("*", "de"),
        # q=0 means "not acceptable".
        ("en;q=0", "de"),
        ("en;q=0, de;q=0", "de"),
        # A malformed q-value counts as 0.
        ("en;q=abc", "de"),
        ("en;q=abc, de;q=0.1", "de"),
        (" en ; q=0.8 ", "en"),
    ],
)
def test_negotiate_language(header: str | None, expected: str) -> None:
    assert negotiate_language(header) == expected
