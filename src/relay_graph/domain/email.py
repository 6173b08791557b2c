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
