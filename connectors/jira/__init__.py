"""Jira connector: the connector (``connector.py``), its JSON → records (``records.py``)."""
