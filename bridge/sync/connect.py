"""Building a connector for a client: the only place secrets are resolved."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, cast

import connectors
from bridge.clientfile.schema import ClientConfig
from bridge.clientfile.secrets import how_to_store, parse_ref, resolve
from connectors.base import Connector, TrackerSettings
from connectors.errors import CredentialsError

if TYPE_CHECKING:  # connectors.http loads requests; the connector module imports it anyway
    from connectors.http import RetryPolicy

ConnectorFactory = Callable[[TrackerSettings, Mapping[str, str], "RetryPolicy | None"], Connector]


def build_connector(config: ClientConfig, policy: RetryPolicy | None = None) -> Connector:
    """The client's connector, its credential references resolved just now."""
    settings = config.tracker
    secrets: dict[str, str] = {}
    for name in settings.secret_fields:
        ref = parse_ref(str(getattr(settings, name)))
        if ref is None:  # the loader refuses these; a config built in code may still hold one
            raise CredentialsError(
                f"{config.client}: [tracker] {name} is not a credential reference; "
                + how_to_store(config.client, name)
            )
        try:
            secrets[name] = resolve(ref)
        except CredentialsError as exc:
            raise CredentialsError(f"{config.client}: [tracker] {name} ({ref}): {exc}") from None
    # the Protocol cannot spell the constructor; every connector takes these three
    # (docs/architecture.md §2)
    factory = cast(ConnectorFactory, connectors.get(settings.type))
    return factory(settings, secrets, policy)
