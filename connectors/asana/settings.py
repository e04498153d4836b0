"""The ``[tracker]`` table of an Asana client (docs/asana.md); importing it loads no Asana
library."""

from __future__ import annotations

from typing import Literal

from connectors.base import TrackerSettings

DEFAULT_API_URL = "https://app.asana.com/api/1.0"


class AsanaSettings(TrackerSettings):
    """``[tracker]`` for Asana: ``project`` gid, ``token`` (a PAT reference), ``api_url``."""

    type: Literal["asana"] = "asana"
    project: str
    api_url: str = DEFAULT_API_URL
