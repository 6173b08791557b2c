"""Feature flags: a port, an Unleash adapter and an in-memory fake."""

INVITE_ALL_FLAG = "relay.invite-all"
