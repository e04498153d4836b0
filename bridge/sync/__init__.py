"""One sync of one client: build its connector, pull, derive the ledger, queue and post notices."""
