"""Every command module; importing one registers its commands onto ``bridge.app.app``."""

from bridge.commands import auth, clients, config_check, daemon, outbox, status, sync

__all__ = ["auth", "clients", "config_check", "daemon", "outbox", "status", "sync"]
