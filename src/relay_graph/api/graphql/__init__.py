"""GraphQL schema, context and resolvers; resolvers call services only."""
