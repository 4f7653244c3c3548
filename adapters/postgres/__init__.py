"""PostgreSQL itself: SQL run on the asyncpg driver, schema operations, the embedded server."""
