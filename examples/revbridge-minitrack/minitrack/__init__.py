"""Minitrack: a tiny JSON-over-HTTP issue tracker, and its revbridge connector (an example)."""
