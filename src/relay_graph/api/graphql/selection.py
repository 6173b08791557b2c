"""Look ahead at the client's selection, so a list loads only the nested data it needs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from relay_graph.api.graphql.context import Info


def _children(selections: Iterable[Selection], name: str) -> list[SelectedField]:
    found: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name:
                found.append(selection)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            found.extend(_children(selection.selections, name))
    return found


def selects(info: Info, *path: str) -> bool:
    """Check whether the current field's selection reaches a path of field names.

    Each step may match several fields through aliases or fragments, and any match counts.
    """
    # Strawberry types these as any kind of selection, but the current field's own nodes
    # are always fields.
    level = cast(list[SelectedField], list(info.selected_fields))
    for name in path:
        level = [child for field in level for child in _children(field.selections, name)]
        if not level:
            return False
    return True


def selects_any(info: Info, *paths: tuple[str, ...]) -> bool:
    return any(selects(info, *path) for path in paths)
