"""HTTP and GraphQL interface."""
