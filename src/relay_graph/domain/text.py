"""Characters that stored texts must not contain."""

from __future__ import annotations

import unicodedata

# Bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069)
# reorder how the text after them is shown, so a name could read as something else, for
# example in the From line of an invitation. The marks U+200E and U+200F stay allowed:
# they change the direction of neutral characters next to them only, and right-to-left
# names copied from other systems carry them.
BIDI_CONTROLS = frozenset(chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def is_control_character(character: str, allowed: frozenset[str] = frozenset()) -> bool:
    """Check for a control character (Unicode category Cc) or a bidirectional control."""
    if character in allowed:
        return False
    return unicodedata.category(character) == "Cc" or character in BIDI_CONTROLS
