"""A test-only connector registered as ``toy`` by the ``toy_tracker`` fixture.

It stands in for the registry lookups of config loading and connector building while the
real connectors are written elsewhere; it talks to no tracker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import ClassVar, Literal

from connectors.base import Page, Person, TrackerSettings
from connectors.errors import RemoteFatalError
from connectors.http import RetryPolicy

log = logging.getLogger("connectors.toy")


class ToySettings(TrackerSettings):
    secret_fields: ClassVar[tuple[str, ...]] = ("token", "signing_key")

    type: Literal["toy"]
    url: str
    project: str
    signing_key: str = "env:TOY_SIGNING_KEY"


class ToyConnector:
    name: ClassVar[str] = "toy"
    Settings: ClassVar[type[TrackerSettings]] = ToySettings

    def __init__(
        self,
        settings: TrackerSettings,
        secrets: Mapping[str, str],
        policy: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.secrets = dict(secrets)
        self.requests_made = 0

    def whoami(self) -> Person:
        # careless on purpose: a connector that logs and raises with its token in the text
        log.warning("calling %s with token %s", self.settings.type, self.secrets["token"])
        raise RemoteFatalError(f"refused token {self.secrets['token']}", tracker="toy", status=400)

    def pull(self, cursor: str | None) -> Iterator[Page]:
        yield Page(bundles=(), next_cursor=None)

    def list_ids(self) -> set[str]:
        return set()

    def post_comment(self, ticket_id: str, body: str) -> str:
        raise NotImplementedError

    def find_comment(self, ticket_id: str, marker: str) -> str | None:
        return None


#: a minimal client file on the toy tracker (``toy_tracker`` fixture; token in ``ACME_TOKEN``)
TOY_CLIENT_FILE = """client = "acme"
[tracker]
type = "toy"
url = "http://127.0.0.1:1"
project = "WEB"
token = "env:ACME_TOKEN"
[quote]
rounds_included = 2
"""
