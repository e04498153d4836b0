"""``revbridge discover CLIENT [--json]``, or with ``--type/--url/--email/--token REF`` and no
client file: what the tracker holds (projects, statuses, people, labels)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bridge.cli.app import ConfigDirOption, DbOption, app, out
from connectors.errors import ConfigError

TypeOption = Annotated[str | None, typer.Option("--type", help="jira | trello | asana.")]
UrlOption = Annotated[str | None, typer.Option(
    "--url", help="Jira site URL; for Trello/Asana an API base URL (optional).")]
EmailOption = Annotated[str | None, typer.Option("--email", help="Jira Cloud: your e-mail.")]
ApiKeyOption = Annotated[str | None, typer.Option("--api-key", help="Trello: the app key.")]
TokenOption = Annotated[str | None, typer.Option(
    "--token", help="Credential reference: env:VAR, cmd:COMMAND or keyring:SERVICE/USER.")]
ProjectOption = Annotated[str | None, typer.Option(
    "--project", help="Jira project key, Trello board id or Asana project gid.")]


@app.command("discover")
def discover(
    client: Annotated[str | None, typer.Argument(
        help="A client slug or .toml path; omit it and give --type and --token.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (stable keys).")] = False,
    kind: TypeOption = None,
    url: UrlOption = None,
    email: EmailOption = None,
    api_key: ApiKeyOption = None,
    token: TokenOption = None,
    project: ProjectOption = None,
    config_dir: ConfigDirOption = None,
    db: DbOption = None,
) -> None:
    """List the projects the token sees and, for the client's project, its statuses, people
    and labels: the names a client file must use."""
    from bridge.clientfile.load import find_client, read_table
    from bridge.present.tracker_map import print_map
    from bridge.sync.connect import bare_table, resolve_secrets, settings_from_table, with_secrets

    if client is not None:
        # only [tracker] is needed: discover is how the rest of a broken file gets fixed
        path = find_client(client, config_dir)
        tracker = read_table(path).get("tracker")
        if not isinstance(tracker, dict):
            raise ConfigError([f"{path}: [tracker]: required table is missing"])
        settings = settings_from_table(tracker, str(path))
        label = path.stem
    elif kind is None or token is None:
        raise ConfigError(["name a CLIENT, or give --type and --token REF (and --url, --email "
                           "or --api-key as the tracker needs)"])
    else:
        settings = settings_from_table(bare_table(
            kind, token=token, url=url, email=email, api_key=api_key, project=project or ""),
            "discover")
        label = "discover"
    connector = with_secrets(settings, resolve_secrets(settings, label))
    found = connector.describe()
    if as_json:
        out.print_json(json.dumps(found.as_json()))
    else:
        print_map(out, found)
