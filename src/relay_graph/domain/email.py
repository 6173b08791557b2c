from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


def normalize_email(value: str | None) -> str | None:
    """Strip surrounding whitespace; an empty value becomes None."""
    if value is None:
        return None

    stripped = value.strip()
    return stripped or None


def is_valid_email(value: str | None) -> bool:
    """Check the address syntax without any DNS lookup."""
    if not value:
        return False

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def is_valid_reply_to(value: str) -> bool:
    """Check a Reply-To address: valid, and ASCII before the @.

    A header can carry an internationalized domain as IDNA, but a non-ASCII part before
    the @ only in a message sent with SMTPUTF8, which depends on each recipient.
    """
    try:
        validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return False
    return True
