"""Lines that tests add to the end of the pytest report, such as what a sweep checked."""

from __future__ import annotations

SUMMARY_LINES: list[str] = []


def report(line: str) -> None:
    SUMMARY_LINES.append(line)
