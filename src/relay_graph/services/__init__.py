"""Use cases of Relay onboarding; each runs inside one unit of work."""
