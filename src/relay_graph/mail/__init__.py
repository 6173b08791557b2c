"""Invitation and announcement messages and their templates (German and English)."""
