"""``revbridge daemon``: every client synced at its own schedule, unattended."""
