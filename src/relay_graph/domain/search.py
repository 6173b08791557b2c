"""The search text of the contact and property lists, and its limits."""

from __future__ import annotations

from relay_graph.domain.errors import DomainError, ErrorCode
from relay_graph.domain.text import is_control_character

# In the contact search every word becomes one LIKE condition per searched column. SQLite
# rejected a search of 990 words as too large, and long patterns slow down both engines.
MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 10
# Control characters that separate words like a space, as a pasted table cell may bring.
WORD_SEPARATORS = frozenset("\t\n\r")


def search_text(text: str | None, field: str) -> str | None:
    """Return the search without surrounding blanks, or None when it is empty.

    Raise SEARCH_TOO_LONG, naming `field`, when it exceeds either limit, and
    SEARCH_INVALID_CHARACTER when it contains a control character: no stored text has
    one, and PostgreSQL rejects NUL in a query.
    """
    if text is None or not text.strip():
        return None
    stripped = text.strip()
    for position, character in enumerate(stripped, start=1):
        if is_control_character(character, WORD_SEPARATORS):
            raise DomainError(
                ErrorCode.SEARCH_INVALID_CHARACTER,
                field=(field,),
                params={
                    "character": f"U+{ord(character):04X}",
                    "position": position,
                },
            )
    words = len(stripped.split())
    if len(stripped) > MAX_SEARCH_LENGTH or words > MAX_SEARCH_WORDS:
        raise DomainError(
            ErrorCode.SEARCH_TOO_LONG,
            field=(field,),
            params={
                "length": len(stripped),
                "words": words,
                "max_length": MAX_SEARCH_LENGTH,
                "max_words": MAX_SEARCH_WORDS,
            },
        )
    return stripped
