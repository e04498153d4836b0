"""The ``[tracker]`` table of a Jira client (docs/jira.md); importing it loads no Jira library."""

from __future__ import annotations

from typing import Literal

from connectors.base import TrackerSettings


class JiraSettings(TrackerSettings):
    """``[tracker]`` for Jira: Cloud (email + API token) or Data Center (personal access token)."""

    type: Literal["jira"] = "jira"
    url: str
    project: str
    email: str | None = None  # Cloud: basic auth with the API token; absent: bearer PAT (DC)
    deployment: Literal["cloud", "datacenter"] | None = None  # None: ask serverInfo
    jql: str | None = None  # extra filter, ANDed with the project clause
