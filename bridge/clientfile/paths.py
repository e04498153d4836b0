"""Where revbridge looks for client files and keeps its database by default."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "revbridge"
CONFIG_DIR_ENV = "REVBRIDGE_CONFIG_DIR"
DB_ENV = "REVBRIDGE_DB"


def config_dir(option: Path | str | None = None) -> Path:
    """``--config-dir``, else ``$REVBRIDGE_CONFIG_DIR``, else the user config dir's ``clients/``."""
    if option:
        return Path(option).expanduser()
    if os.environ.get(CONFIG_DIR_ENV):
        return Path(os.environ[CONFIG_DIR_ENV]).expanduser()
    return platformdirs.user_config_path(APP) / "clients"


def default_db_path() -> Path:
    """The SQLite file used when neither ``--db`` nor ``$REVBRIDGE_DB`` is given."""
    return platformdirs.user_data_path(APP) / "revbridge.db"


def db_url(option: str | None = None) -> str:
    """``--db``, else ``$REVBRIDGE_DB``, else the default SQLite file, as an SQLAlchemy URL."""
    return option or os.environ.get(DB_ENV) or f"sqlite:///{default_db_path()}"
