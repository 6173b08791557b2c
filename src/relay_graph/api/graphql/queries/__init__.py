"""Root query fields."""
