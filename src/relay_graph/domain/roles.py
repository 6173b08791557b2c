from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """What an API token may do: admins change and invite, viewers only read."""

    ADMIN = "admin"
    VIEWER = "viewer"
