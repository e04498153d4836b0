"""``status --json`` and ``explain`` on a store filled through the store API (no tracker)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bridge.cli import app
from bridge.store import Store
from connectors.base import Person, TicketBundle
from tests.ledger_builders import OSCAR, at, move, spent, ticket

CLIENT_FILE = """client = "acme"
name = "ACME Corp"
timezone = "UTC"
language = "en"

[tracker]
type = "toy"
url = "http://127.0.0.1:1"
project = "WEB"
token = "env:TOY_TOKEN"
signing_key = "env:TOY_KEY"

[tracker.statuses]
open = ["To Do"]
in_progress = ["In Progress"]
delivered = ["In Review"]
done = ["Done"]

[quote]
reference = "Q-1"
rounds_included = 1
hourly_rate = 80
round_price = 300
currency = "EUR"

[scope]
out_of_scope_labels = ["out-of-scope"]

[contacts]
client = ["c1"]
team = ["me"]
"""

runner = CliRunner()


def _fill(tmp_path: Path) -> tuple[list[str], str]:
    folder = tmp_path / "clients"
    folder.mkdir()
    (folder / "acme.toml").write_text(CLIENT_FILE)
    db = f"sqlite:///{tmp_path / 'rb.db'}"
    store = Store.open(db)
    # 1: Claire, 2 Mar 10:00, delivered 3 Mar 12:00 → round 1 (1 h)
    # 2: Oscar (not designated, counted), 4 Mar 09:00 → round 2, extra (2 h): 300 € round price
    # 3: out of scope, 4 Mar 11:00, 0.5 h shown on the request only
    store.save_bundles("acme", [
        TicketBundle(ticket("1", at(2, 10)), (move("1", at(3, 12), "To Do", "In Review"),),
                     (), (spent("1", at(2, 15), 3600),)),
        TicketBundle(ticket("2", at(4, 9), by=OSCAR), (), (), (spent("2", at(4, 10), 7200),)),
        TicketBundle(ticket("3", at(4, 11), labels=("out-of-scope",)), (), (),
                     (spent("3", at(4, 12), 1800),)),
    ])
    store.close()
    return ["--config-dir", str(folder), "--db", db], db


def test_status_json_from_the_store(tmp_path: Path, toy_tracker: str) -> None:
    options, _ = _fill(tmp_path)
    result = runner.invoke(app, ["status", "acme", "--json", *options])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"client", "quote", "rounds_used", "rounds_remaining", "extra_rounds",
                         "hours_spent", "overage", "rounds", "requests", "last_sync",
                         "invoiced", "due"}
    assert data["invoiced"] == {"amount": 0, "through": None}
    assert data["due"] == 300  # the extra round, not invoiced yet
    assert data["quote"] == {"reference": "Q-1", "rounds_included": 1, "hours_included": None,
                             "hourly_rate": 80, "round_price": 300, "currency": "EUR"}
    assert (data["rounds_used"], data["rounds_remaining"], data["extra_rounds"]) == (2, 0, 1)
    assert data["hours_spent"] == 3.0  # 1 h + 2 h; the out-of-scope 0.5 h is not counted
    assert data["overage"] == {"rounds": 1, "hours": 0, "amount": 300, "currency": "EUR"}
    assert [(r["number"], r["requests"], r["extra"]) for r in data["rounds"]] == [
        (1, ["WEB-1"], False), (2, ["WEB-2"], True)]
    by_key = {r["ticket"]: r for r in data["requests"]}
    assert by_key["WEB-1"]["delivered_at"] == "2026-03-03T12:00:00Z"
    assert by_key["WEB-2"]["designated"] is False
    assert sorted(by_key["WEB-2"]["notices"]) == ["extra", "not_designated"]
    assert (by_key["WEB-3"]["status"], by_key["WEB-3"]["round"], by_key["WEB-3"]["hours"]) == (
        "out_of_scope", None, 0.5)
    assert data["last_sync"] is None
    everyone = json.loads(runner.invoke(app, ["status", "--json", *options]).output)
    assert isinstance(everyone, list) and everyone[0]["client"] == "acme"


def test_explain_names_the_round_and_the_events(tmp_path: Path, toy_tracker: str) -> None:
    options, _ = _fill(tmp_path)
    result = runner.invoke(app, ["explain", "acme", "WEB-2", *options])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # rich wraps lines at the terminal width
    assert "round 2" in text and "Oscar Other" in text and "not a designated contact" in text
    assert "round 2 is extra and billed €300.00" in text
    missing = runner.invoke(app, ["explain", "acme", "WEB-99", *options])
    assert missing.exit_code == 2 and "WEB-99" in missing.output
    assert ("error: WEB-99: no ticket with this key or id in the store for acme: check the key, "
            "or run `revbridge sync acme` first") in " ".join(missing.stderr.split())


def test_explain_says_why_a_ticket_is_no_request(tmp_path: Path, toy_tracker: str) -> None:
    options, db = _fill(tmp_path)
    with Store.open(db) as store:
        store.save_bundles("acme", [
            TicketBundle(ticket("4", at(5, 9), by=Person("me", "Mia Team", None)), (), (), ())])
    result = runner.invoke(app, ["explain", "acme", "WEB-4", *options])
    assert result.exit_code == 2
    assert ("error: WEB-4 is not a request of acme's quote: it was created by Mia Team, who is "
            "on the team ([contacts] team), and nobody outside the team has reopened it since"
            ) in " ".join(result.stderr.split())


def test_status_table_for_people(tmp_path: Path, toy_tracker: str) -> None:
    options, _ = _fill(tmp_path)
    result = runner.invoke(app, ["status", "acme", *options])
    assert result.exit_code == 0, result.output
    assert "2 / 1" in result.output and "300" in result.output


def test_status_of_every_client_survives_a_broken_file(tmp_path: Path, toy_tracker: str) -> None:
    options, _ = _fill(tmp_path)
    broken = tmp_path / "clients" / "broken.toml"
    broken.write_text('client = "broken"\n[quote\n')
    result = runner.invoke(app, ["status", *options])
    assert result.exit_code == 2
    assert "ACME Corp (acme)" in result.stdout and "2 / 1" in result.stdout
    assert f"error: {broken}: line 2: invalid TOML" in result.stderr
    assert "broken" not in result.stdout

    as_json = runner.invoke(app, ["status", "--json", *options])
    assert as_json.exit_code == 2
    assert [c["client"] for c in json.loads(as_json.stdout)] == ["acme"]  # valid JSON
    assert f"error: {broken}: line 2" in as_json.stderr

    one = runner.invoke(app, ["status", "broken", "--json", *options])
    assert one.exit_code == 2 and one.stdout == "" and "invalid TOML" in one.stderr
    good = runner.invoke(app, ["status", "acme", "--json", *options])
    assert good.exit_code == 0 and json.loads(good.stdout)["client"] == "acme"
