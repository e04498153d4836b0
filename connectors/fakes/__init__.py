"""Stateful fake trackers served on 127.0.0.1, for tests and ``revbridge demo``."""
