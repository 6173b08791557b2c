"""Domain rules of Relay onboarding; imports nothing from the database or the API."""
