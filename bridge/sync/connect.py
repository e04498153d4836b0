"""Building a connector for a client: the only place secrets are resolved."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from pydantic import ValidationError

import connectors
from bridge.clientfile.schema import ClientConfig
from bridge.clientfile.secrets import how_to_store, parse_ref, resolve
from connectors.base import Connector, TrackerSettings
from connectors.errors import ConfigError, CredentialsError, RevbridgeError

if TYPE_CHECKING:  # connectors.http loads requests; the connector module imports it anyway
    from connectors.http import RetryPolicy

ConnectorFactory = Callable[[TrackerSettings, Mapping[str, str], "RetryPolicy | None"], Connector]


def build_connector(config: ClientConfig, policy: RetryPolicy | None = None) -> Connector:
    """The client's connector, its credential references resolved just now."""
    return with_secrets(config.tracker, resolve_secrets(config.tracker, config.client), policy)


def resolve_secrets(settings: TrackerSettings, label: str) -> dict[str, str]:
    """Each secret field of ``settings`` resolved; ``label`` names the client in errors."""
    secrets: dict[str, str] = {}
    for name in settings.secret_fields:
        ref = parse_ref(str(getattr(settings, name)))
        if ref is None:  # the loader refuses these; a config built in code may still hold one
            raise CredentialsError(
                f"{label}: [tracker] {name} is not a credential reference; "
                + how_to_store(label, name)
            )
        try:
            secrets[name] = resolve(ref)
        except CredentialsError as exc:
            raise CredentialsError(f"{label}: [tracker] {name} ({ref}): {exc}") from None
    return secrets


def with_secrets(settings: TrackerSettings, secrets: Mapping[str, str],
                 policy: RetryPolicy | None = None) -> Connector:
    """The connector of ``settings`` built with secrets already in hand."""
    # the Protocol cannot spell the constructor; every connector takes these three
    # (docs/architecture.md §2)
    factory = cast(ConnectorFactory, connectors.get(settings.type))
    return factory(settings, secrets, policy)


def settings_from_table(table: Mapping[str, Any], where: str) -> TrackerSettings:
    """A bare ``[tracker]`` table (no client file yet) validated by its connector's model."""
    kind = str(table.get("type", ""))
    try:
        model = connectors.settings_model(kind)
    except RevbridgeError:
        raise ConfigError([f"{where}: unknown tracker {kind!r} "
                           f"(known: {', '.join(connectors.names())})"]) from None
    try:
        return model.model_validate(dict(table))
    except ValidationError as exc:
        raise ConfigError([
            f"{where}: [tracker] {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
        ]) from None


def bare_table(kind: str, *, token: str, url: str | None = None, email: str | None = None,
               api_key: str | None = None, project: str = "") -> dict[str, Any]:
    """A ``[tracker]`` table from command-line flags, keyed the way ``kind``'s model names
    things: ``url`` (Jira) or ``api_url``; ``project`` or ``board`` (empty: none chosen yet)."""
    try:
        fields = connectors.settings_model(kind).model_fields
    except RevbridgeError:
        raise ConfigError([f"--type: unknown tracker {kind!r} "
                           f"(known: {', '.join(connectors.names())})"]) from None
    table: dict[str, Any] = {"type": kind, "token": token}
    table["board" if "board" in fields else "project"] = project
    if url:
        table["url" if "url" in fields else "api_url"] = url
    if email and "email" in fields:
        table["email"] = email
    if api_key and "api_key" in fields:
        table["api_key"] = api_key
    return table
