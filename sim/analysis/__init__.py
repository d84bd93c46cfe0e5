"""Analysis tools that run on inputs or results, separate from the simulation core."""
