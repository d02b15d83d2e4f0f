"""pq's version (the distribution pq-indexer's; pyproject.toml has the same)."""
__version__ = "0.1.0"
