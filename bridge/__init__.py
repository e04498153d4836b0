"""revbridge: revision rounds counted against the quote, status comments back on the tracker."""

__version__ = "0.1.0"
