from __future__ import annotations

import logging

# Attributes every LogRecord has; anything else came in through `extra=`.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


class KeyValueFormatter(logging.Formatter):
    """Append the structured fields given with `extra=` as key=value pairs."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {
            key: value for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES
        }
        if not fields:
            return line
        pairs = " ".join(f"{key}={value}" for key, value in sorted(fields.items()))
        return f"{line} {pairs}"


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # The Unleash SDK's scheduler logs every job run at INFO.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Alembic lists each autogenerate plugin it sets up; only its migration steps matter.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
