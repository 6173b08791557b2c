from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """Role of an API token. Admins change and invite, viewers only read."""

    ADMIN = "admin"
    VIEWER = "viewer"
