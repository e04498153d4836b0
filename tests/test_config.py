"""Loading client files: every problem at once, FILE: [section] key: message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bridge.clientfile.load import client_files, find_client, load_client, read_client
from bridge.clientfile.paths import config_dir
from connectors.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"

TOY_TRACKER = """
[tracker]
type = "toy"
url = "http://127.0.0.1:1"
project = "WEB"
token = "env:ACME_TOKEN"
"""

GOOD = f"""
client = "acme"
timezone = "Europe/Paris"
{TOY_TRACKER}
[quote]
rounds_included = 2
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def example_with_toy_tracker(tmp_path: Path) -> Path:
    """config.example.toml with its [tracker] table swapped for the toy one."""
    text = EXAMPLE.read_text()
    head, _, rest = text.partition("[tracker]\n")
    statuses = rest[rest.index("[tracker.statuses]") :]
    return write(tmp_path, "acme.toml", head + TOY_TRACKER.lstrip() + "\n" + statuses)


def test_config_example_loads_with_the_jira_connector(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"  # a client file is named after its client
    path.write_text(EXAMPLE.read_text())
    config = load_client(path)
    assert config.client == "acme"
    assert config.tracker.type == "jira"
    assert config.tracker.token == "keyring:revbridge/acme"
    assert config.tracker.statuses.delivered == ("In Review",)


def test_every_section_of_config_example_validates(tmp_path: Path, toy_tracker: str) -> None:
    config = load_client(example_with_toy_tracker(tmp_path))
    assert (config.client, config.name, config.timezone, config.language) == (
        "acme",
        "ACME Corp",
        "Europe/Paris",
        "fr",
    )
    assert config.tracker.statuses.in_progress == ("In Progress",)
    assert (config.quote.rounds_included, config.quote.hours_included) == (3, 10)
    assert (config.quote.round_price, config.quote.currency) == (300, "EUR")
    assert config.rounds.grouping == "delivery"
    assert config.scope.excluded_labels == ("internal",)
    assert config.contacts.non_designated == "count"
    assert config.sla.handle_within == "2d"
    assert config.comments.mode == "auto"
    assert config.schedule.every == "15m"


def test_every_key_of_design_section_9_is_documented() -> None:
    text = EXAMPLE.read_text()
    keys = [
        "client",
        "name",
        "timezone",
        "language",
        "type",
        "url",
        "project",
        "email",
        "token",
        "deployment",
        "jql",
        "open",
        "in_progress",
        "delivered",
        "done",
        "reference",
        "rounds_included",
        "hours_included",
        "hourly_rate",
        "round_price",
        "currency",
        "start",
        "end",
        "grouping",
        "window_hours",
        "label_pattern",
        "slots",
        "out_of_scope_labels",
        "excluded_labels",
        "request_labels",
        "team",
        "non_designated",
        "handle_within",
        "business_hours",
        "business_days",
        "mode",
        "since",
        "on_delivery",
        "every",
        "cron",
        "reconcile_every",
    ]
    for key in keys:
        assert re.search(rf"^#? ?{key} = .*#", text, re.MULTILINE), f"{key} is not documented"


def test_a_file_with_many_mistakes_lists_every_one(tmp_path: Path, toy_tracker: str) -> None:
    path = write(
        tmp_path,
        "bad.toml",
        """
client = "Acme Corp"
timezone = "Mars/Olympus"
colour = "blue"

[tracker]
type = "toy"
url = "http://127.0.0.1:1"
token = "env:ACME_TOKEN"
board = "x"

[tracker.statuses]
open = [""]

[quote]
rounds_included = -1
currency = "euros"

[rounds]
grouping = "window"

[sla]
business_days = ["mon", "funday"]

[contacts]
designated = ["x"]
""",
    )
    config, problems = read_client(path)
    assert config is None
    assert sorted(problems) == sorted(
        [
            f"{path}: client: 'Acme Corp' is not a slug (lower-case letters, digits, - and _)",
            f"{path}: timezone: 'Mars/Olympus' is not an IANA time zone like Europe/Paris",
            f"{path}: colour: unknown key",
            f"{path}: [tracker] project: required key is missing",
            f"{path}: [tracker] board: unknown key",
            f"{path}: [tracker.statuses] open: status names must not be blank",
            f"{path}: [quote] rounds_included: Input should be greater than or equal to 0",
            f"{path}: [quote] currency: 'euros' is not an ISO 4217 code like EUR or USD",
            f"{path}: [rounds]: grouping = 'window' needs window_hours",
            f"{path}: [sla] business_days: 'funday' is not a weekday (mon, tue, ... sun)",
            f"{path}: [contacts] designated: unknown key",
        ]
    )
    with pytest.raises(ConfigError) as raised:
        load_client(path)
    assert raised.value.problems == problems


def test_missing_tables_and_unknown_tracker(tmp_path: Path) -> None:
    path = write(tmp_path, "x.toml", 'client = "x"\n[tracker]\ntype = "gitlab"\ntoken = "env:T"\n')
    _, problems = read_client(path)
    assert problems == [
        f"{path}: [tracker] type: unknown tracker 'gitlab' (known: asana, jira, trello)",
        f"{path}: [quote]: required table is missing",
    ]
    no_tracker = write(tmp_path, "y.toml", 'client = "y"\n[quote]\nrounds_included = 1\n')
    assert read_client(no_tracker)[1] == [f"{no_tracker}: [tracker]: required table is missing"]


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "acme.toml", 'client = "acme"\n\n[quote]\nrounds_included = = 3\n')
    _, problems = read_client(path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: line 4: invalid TOML: ")


def test_literal_token_is_refused_with_how_to_store_it(tmp_path: Path, toy_tracker: str) -> None:
    literal = "ATATT3xFfGF0-literal-api-token"
    path = write(tmp_path, "acme.toml", GOOD.replace("env:ACME_TOKEN", literal))
    _, problems = read_client(path)
    assert len(problems) == 1
    line = problems[0]
    assert line.startswith(f"{path}: [tracker] token: a secret cannot be written in a client file")
    assert "revbridge auth set acme" in line
    assert 'token = "keyring:revbridge/acme"' in line
    assert "env:VARIABLE" in line and "cmd:COMMAND" in line
    assert literal not in line


def test_every_credential_field_of_the_connector_is_checked(
    tmp_path: Path, toy_tracker: str
) -> None:
    path = write(
        tmp_path, "acme.toml", GOOD.replace('token = "env:ACME_TOKEN"', 'signing_key = "k"')
    )
    _, problems = read_client(path)
    assert [p.split(":")[1] for p in problems] == [" [tracker] signing_key", " [tracker] token"]
    assert "revbridge auth set acme" in problems[1]


def test_a_good_file_loads(tmp_path: Path, toy_tracker: str) -> None:
    config = load_client(write(tmp_path, "acme.toml", GOOD))
    assert config.tracker.type == "toy"
    assert type(config.tracker).__name__ == "ToySettings"
    assert config.rounds.grouping == "delivery"


def test_config_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config_dir() == tmp_path / "xdg-config" / "revbridge" / "clients"
    monkeypatch.setenv("REVBRIDGE_CONFIG_DIR", str(tmp_path / "env"))
    assert config_dir() == tmp_path / "env"
    assert config_dir(tmp_path / "opt") == tmp_path / "opt"


def test_client_argument_is_a_slug_or_a_path(tmp_path: Path) -> None:
    folder = tmp_path / "clients"
    acme = write(folder, "acme.toml", GOOD)
    write(folder, "beta.toml", GOOD)
    write(folder, "notes.txt", "")
    assert client_files(folder) == [acme, folder / "beta.toml"]
    assert client_files(tmp_path / "nowhere") == []
    assert find_client("acme", folder) == acme
    assert find_client(str(acme)) == acme
    with pytest.raises(ConfigError, match=r"no client 'gamma' .* \(known: acme, beta\)"):
        find_client("gamma", folder)
    with pytest.raises(ConfigError, match="no such client file"):
        find_client(str(tmp_path / "missing.toml"))
