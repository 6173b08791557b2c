"""The part of each listed contact that a client asked for, as a tree of named members.

A projection names, for every key of the JSON object the client gets, where its value
comes from: an attribute of the read model, a global ID, a fixed text, or a related
object or list with its own members. The query side turns a projection into SQL that
builds the JSON text in the database (see repositories/contact_json.py), so a list of
contacts reaches the client without a Python object per field.

Keys are GraphQL response keys (field names or aliases). They go into the SQL text, so
they must be names that GraphQL's grammar allows: letters, digits and underscores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# GraphQL's grammar for names, which excludes quotes, spaces and every other character
# that could end an SQL string literal.
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


@dataclass(frozen=True, slots=True)
class Attribute:
    """A value of the read model, e.g. `first_name` of a contact or `name` of a property."""

    name: str


@dataclass(frozen=True, slots=True)
class GlobalId:
    """The object's global ID: base64 of `<type_name>:<database id>`."""

    type_name: str


@dataclass(frozen=True, slots=True)
class Constant:
    """A fixed text, such as the type name a client asks for with `__typename`."""

    value: str


@dataclass(frozen=True, slots=True)
class Related:
    """A related object (`property`) or list (`assignments`) with its own members."""

    relation: str
    members: Members


Member = Attribute | GlobalId | Constant | Related
Members = tuple[tuple[str, Member], ...]


def check_key(key: str) -> str:
    """Return the key if it is a GraphQL name; anything else is a bug in the caller."""
    if _NAME.fullmatch(key) is None:
        raise ValueError(f"projection key {key!r} is not a GraphQL name")
    return key
