"""The freelancer's own settings file, ``revbridge.toml`` beside ``clients/`` (docs/invoices.md).

``[freelancer]`` is who bills (name, address lines, e-mail, company id such as a SIRET, VAT id;
all optional), shown on every statement; ``[report] csv = "excel-fr"`` makes ``report --format
csv`` write a French spreadsheet's CSV; ``[daemon] workers`` is how many clients the daemon
syncs at once when ``--workers`` does not say (docs/daemon.md). Found at ``--settings FILE``, else
``$REVBRIDGE_SETTINGS``, else the user config dir; a missing default file is no error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, ValidationError, field_validator

from bridge.clientfile.load import FRIENDLY, read_table
from bridge.clientfile.paths import APP
from bridge.clientfile.schema import Model
from connectors.errors import ConfigError

SETTINGS_ENV = "REVBRIDGE_SETTINGS"
SETTINGS_FILE = "revbridge.toml"


class Freelancer(Model):
    name: str = ""
    address: list[str] = Field(default_factory=list)
    email: str = ""
    company_id: str = ""  # e.g. a SIRET
    vat_id: str = ""


class ReportSettings(Model):
    #: ``machine``: comma, decimal dot; ``excel-fr``: semicolon, decimal comma, UTF-8 with BOM
    csv: Literal["machine", "excel-fr"] = "machine"


#: the daemon's worker count when neither ``--workers`` nor the settings file names one
DEFAULT_WORKERS = 4


class DaemonSettings(Model):
    #: clients synced at the same time, at most (``None``: ``--workers``, else 4)
    workers: int | None = None

    @field_validator("workers", mode="before")
    @classmethod
    def _whole_positive(cls, value: object) -> object:
        # a bool is an int to Python, and "4" would pass in lax mode: neither is meant here
        if value is not None and (type(value) is not int or value < 1):
            raise ValueError(f"{value!r} is not a number of workers: write a whole number, "
                             f"1 or more (e.g. workers = {DEFAULT_WORKERS})")
        return value


class Settings(Model):
    freelancer: Freelancer = Freelancer()
    report: ReportSettings = ReportSettings()
    daemon: DaemonSettings = DaemonSettings()


def settings_path(option: Path | str | None = None) -> tuple[Path, bool]:
    """The settings file, and whether it was named (``--settings`` or the variable)."""
    if option:
        return Path(option).expanduser(), True
    if os.environ.get(SETTINGS_ENV):
        return Path(os.environ[SETTINGS_ENV]).expanduser(), True
    return platformdirs.user_config_path(APP) / SETTINGS_FILE, False


def read_settings(path: Path) -> tuple[Settings | None, list[str]]:
    """The settings file at ``path`` and every problem in it (the settings only when none)."""
    try:
        data = read_table(path)
    except ConfigError as exc:
        return None, exc.problems
    try:
        return Settings.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            message = FRIENDLY.get(err["type"], err["msg"].removeprefix("Value error, "))
            where = f"[{loc[0]}] {'.'.join(loc[1:])}" if len(loc) > 1 else ".".join(loc)
            problems.append(f"{path}: {where}: {' '.join(message.splitlines())}")
        return None, problems


def load_settings(option: Path | str | None = None) -> Settings:
    """The settings (empty when the default file does not exist); ConfigError lists problems."""
    path, named = settings_path(option)
    if not named and not path.exists():
        return Settings()
    if named and not path.is_file():
        raise ConfigError([f"{path}: no such settings file; create it (see "
                           "config.example.toml, [freelancer]) or fix --settings / "
                           f"${SETTINGS_ENV}"])
    found, problems = read_settings(path)
    if found is None:
        raise ConfigError(problems)
    return found


def daemon_workers(option: int | None, settings: Path | str | None = None) -> tuple[int, str]:
    """The daemon's worker count and where it comes from: ``--workers``, else ``[daemon]
    workers`` in the settings file, else :data:`DEFAULT_WORKERS`. ConfigError on a bad file."""
    if option is not None:
        return option, "--workers"
    found = load_settings(settings)
    if found.daemon.workers is not None:
        return found.daemon.workers, f"[daemon] workers in {settings_path(settings)[0]}"
    return DEFAULT_WORKERS, "the default"
