"""Building a connector for a client: the only place secrets are resolved."""

from __future__ import annotations

import connectors
from bridge.config import ClientConfig
from bridge.errors import CredentialsError
from bridge.secrets import how_to_store, parse_ref, resolve
from connectors.base import Connector
from connectors.http import RetryPolicy


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
    return connectors.get(settings.type)(settings, secrets, policy)
