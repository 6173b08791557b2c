"""Deterministic demo data for two invented German property management companies."""
