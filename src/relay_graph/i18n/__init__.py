"""Language choice for user-facing text: German by default, English on request."""

from __future__ import annotations

from typing import Literal, TypeGuard

Language = Literal["de", "en"]
DEFAULT_LANGUAGE: Language = "de"
SUPPORTED_LANGUAGES: tuple[Language, ...] = ("de", "en")


def is_language(value: str | None) -> TypeGuard[Language]:
    return value in SUPPORTED_LANGUAGES


def negotiate_language(accept_language: str | None) -> Language:
    """Pick the supported language with the highest q-value in an Accept-Language header."""
    if not accept_language:
        return DEFAULT_LANGUAGE

    best: tuple[float, int, Language] | None = None
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if not is_language(primary):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        # Higher quality wins; among equals the earlier entry wins.
        candidate = (quality, -position, primary)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return DEFAULT_LANGUAGE if best is None else best[2]
