"""Hostile text from the tracker and the client file, through every terminal renderer.

Ticket titles, labels, a person's name, the client's name, the quote reference and a paused
client's reason hold rich markup (a stray closing tag crashed ``status``; ``[link=…]`` made a
live link) and terminal escapes (ESC / OSC / C1 / NUL: retitle the window, clear the screen,
hide a link). ``status`` (one client and all), ``explain``, ``outbox list``, ``sync --dry-run``
and ``clients`` must each exit cleanly, show the text as written, and send no control sequence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner, Result

from bridge.cli import app
from bridge.cli.app import err as cli_err
from bridge.cli.app import out as cli_out
from bridge.clientfile.load import load_client
from bridge.store import Store
from bridge.store.plans import DaemonPlan
from bridge.sync.run import SyncOptions, sync_client
from connectors.testing.fakes import Fake
from tests.e2e import write_client_file
from tests.reliability.worlds import add_people, client_table, new_fake, policy

#: what reaches a terminal and must not: ESC, BEL, C1 controls, NUL, DEL, bidi overrides
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE = [
    "close [/nope] tag",
    "[link=http://evil.example]click me[/link]",
    "\x1b]0;PWNED\x07window title",
    "\x1b[2Jcleared screen",
    "\x1b]8;;http://evil.example\x1b\\osc link\x1b]8;;\x1b\\",
    "\x9b31mC1 red\x9b0m",
    "nul\x00byte",
    "[bold red]loud[/] \\",
    "\u202eevil\u202c reversed",
]
#: what each hostile string shows once made harmless (its printable text, as written)
SHOWN = ["close [/nope] tag", "[link=http://evil.example]click me[/link]", "window title",
         "cleared screen", "osc link", "C1 red", "nulbyte", "[bold red]loud[/]", "evil reversed"]

runner = CliRunner()
#: CLI options, the key of a request, the fake, the client's person id
HostileWorld = tuple[list[str], str, Fake, str]


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide enough that no cell wraps: every text can be found whole in the output."""
    monkeypatch.setattr(cli_out, "_width", 500)
    monkeypatch.setattr(cli_err, "_width", 500)


def _flat(text: str) -> str:
    """Output with table borders and wrapping gone: the words in order, one space apart."""
    return " ".join(re.sub(r"[│┃║|]", " ", text).split())


def check(result: Result, *, code: int = 0) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    assert result.exit_code == code, result.output
    leaked = sorted({repr(c) for c in CONTROL.findall(result.output)})
    assert leaked == [], f"control characters reached the terminal: {leaked}"
    return _flat(result.output)


@pytest.fixture(scope="module", params=["jira", "trello"])
def hostile_world(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileWorld]:
    """A client whose tickets, people, name and quote carry every hostile string, synced in
    review mode (its notices held, their texts holding the titles); returns the CLI options
    and the key of a request."""
    tracker = request.param
    folder = tmp_path_factory.mktemp(f"terminal-{tracker}")
    fake = new_fake(tracker)
    try:
        people = add_people(fake)
        shady = fake.add_person("Eve \x1b]0;owned\x07[/x] Evil", "eve@client.example")
        at = datetime.now(UTC) - timedelta(days=10)
        keys = []
        for n, title in enumerate(HOSTILE):
            who = shady if n % 2 else people.client
            label = "esc\x1b[31m-label" if tracker == "trello" else "plain"
            ticket = fake.create_ticket(title, who, labels=(label,), at=at + timedelta(hours=n))
            fake.add_comment(ticket, title, who, at=at + timedelta(hours=n, minutes=5))
            keys.append(ticket)
        table = client_table(tracker, fake, "acme", people)
        table["name"] = "ACME [/] \x1b]0;name\x07Corp"
        table["quote"]["reference"] = "Q-[/i]\x1b[2J"
        table["contacts"]["client"].append(shady)
        table["comments"]["mode"] = "review"
        table["comments"]["texts"] = {"ack": "Round {round} for {title}, by {requester}.",
                                      "extra": "Extra round {round} for {title}.",
                                      "not_designated": "{requester}: {title} needs a yes."}
        config = load_client(write_client_file(folder / "clients", table, slug="acme"))
        db = f"sqlite:///{folder / 'store.db'}"
        store = Store.open(db)
        try:
            assert sync_client(config, store, SyncOptions(policy=policy())).outcome == "ok"
            store.plans.save("acme", DaemonPlan("host-1", next_run_at=None,
                                                paused="token refused by [tracker] "
                                                       "\x1b]0;x\x07[/bold]"))
            key = next(t.key for t in store.load_records("acme").tickets
                       if t.remote_id == keys[0])
        finally:
            store.close()
        yield ["--config-dir", str(folder / "clients"), "--db", db], key, fake, people.client
    finally:
        fake.stop()


def test_status_of_one_client_and_of_all(hostile_world: HostileWorld) -> None:
    options, *_ = hostile_world
    for args in (["status", "acme"], ["status"]):
        shown = check(runner.invoke(app, [*args, *options]))
        assert "ACME [/] Corp" in shown and "Q-[/i]" in shown
        for text in SHOWN[:2]:
            assert text in shown  # late requests, their titles as written


def test_explain(hostile_world: HostileWorld) -> None:
    options, key, *_ = hostile_world
    shown = check(runner.invoke(app, ["explain", "acme", key, *options]))
    assert (SHOWN[0] in shown and "Eve" not in shown) or "Evil" in shown


def test_outbox_list(hostile_world: HostileWorld) -> None:
    options, *_ = hostile_world
    shown = check(runner.invoke(app, ["outbox", "list", "acme", *options]))
    assert "held" in shown
    for text in SHOWN[:2]:
        assert text in shown


def test_sync_dry_run(hostile_world: HostileWorld) -> None:
    options, _, fake, client = hostile_world
    # a new request: the dry run shows the notice it would get, its title in it
    fake.create_ticket("new \x1b]0;dry\x07[/dry] run", client)
    shown = check(runner.invoke(app, ["sync", "acme", "--dry-run", *options]))
    assert "new [/dry] run" in shown


def test_clients_keeps_the_paused_reason_as_written(
        hostile_world: HostileWorld) -> None:
    options, *_ = hostile_world
    shown = check(runner.invoke(app, ["clients", *options]))
    assert "token refused by [tracker] [/bold]" in shown
    assert "ACME [/] Corp" in shown
