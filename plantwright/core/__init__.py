"""Shared plumbing that knows no app: errors, HTTP pieces, database helpers, files.

Apps import it; it imports none of them (the import contracts in pyproject.toml check it)."""
