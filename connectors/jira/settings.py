"""The ``[tracker]`` table of a Jira client (docs/jira.md); importing it loads no Jira library."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from connectors.base import TrackerSettings
from connectors.jira.records import check_extra_jql


class JiraSettings(TrackerSettings):
    """``[tracker]`` for Jira: Cloud (email + API token) or Data Center (personal access token)."""

    type: Literal["jira"] = "jira"
    url: str
    project: str
    email: str | None = None  # Cloud: basic auth with the API token; absent: bearer PAT (DC)
    deployment: Literal["cloud", "datacenter"] | None = None  # None: ask serverInfo
    jql: str | None = None  # extra filter, ANDed (parenthesised whole) with the project clause

    @field_validator("jql")
    @classmethod
    def _jql_cannot_widen_the_project(cls, value: str | None) -> str | None:
        if value is not None:
            check_extra_jql(value)
        return value
