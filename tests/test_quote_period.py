"""The quote's period ([quote] start / end) in the engine, and how client files are checked."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridge.cli import app
from bridge.clientfile.notes import config_notes
from connectors.base import TimeEntry
from tests.ledger_builders import CLAIRE, ME, at, config, ledger, move, ticket

PERIOD = {"timezone": "Europe/Paris", "quote": {"start": date(2026, 3, 3),
                                                 "end": date(2026, 3, 5)}}


def test_requests_outside_the_period_are_not_listed_and_their_time_follows_them() -> None:
    tickets = [
        ticket("1", at(2, 22, 59)),   # 23:59 Paris on 2 March: before the start
        ticket("2", at(2, 23, 0)),    # 00:00 Paris on 3 March: the first moment of the period
        ticket("3", at(5, 22, 59)),   # 23:59 Paris on 5 March: end is inclusive
        ticket("4", at(5, 23, 0)),    # 00:00 Paris on 6 March: the next quote's
    ]
    # 1 is reopened in the period: the reopen is a request of this quote, the new one is not
    changes = [move("1", at(3, 10), "To Do", "Done"),
               move("1", at(4, 10), "Done", "To Do", by=CLAIRE)]
    entries = [TimeEntry("w1", "1", at(3, 9), ME, 3600),    # before the reopen: the old request
               TimeEntry("w2", "1", at(4, 11), ME, 1800),   # after it: the reopen's
               TimeEntry("w3", "4", at(4, 11), ME, 7200)]   # on a later request: not counted
    found = ledger(tickets, changes, entries, **PERIOD)
    assert [(r.remote_id, r.kind) for r in found.requests] == [
        ("2", "new"), ("1", "reopen"), ("3", "new")]
    assert found.seconds_spent == 1800
    everything = ledger(tickets, changes, entries, timezone="Europe/Paris")
    assert len(everything.requests) == 5 and everything.seconds_spent == 3600 + 1800 + 7200


def test_two_periods_share_the_requests_out_without_overlap() -> None:
    tickets = [ticket(str(n), at(n, 12)) for n in range(2, 12)]
    first = ledger(tickets, quote={"end": date(2026, 3, 6)})
    second = ledger(tickets, quote={"start": date(2026, 3, 7)})
    ids = [{r.remote_id for r in part.requests} for part in (first, second)]
    assert ids[0].isdisjoint(ids[1]) and ids[0] | ids[1] == {str(n) for n in range(2, 12)}
    assert ids[0] == {"2", "3", "4", "5", "6"}


def write(folder: Path, extra: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "acme.toml"
    path.write_text(
        'client = "acme"\ntimezone = "Europe/Paris"\n'
        '[tracker]\ntype = "jira"\nurl = "https://acme.atlassian.net"\nproject = "WEB"\n'
        'email = "me@studio.example"\ntoken = "env:ACME_TOKEN"\n' + extra, encoding="utf-8")
    return path


def check(folder: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["config", "check", "--config-dir", str(folder)])
    return result.exit_code, " ".join(result.output.split())


def test_config_check_refuses_an_end_before_the_start(tmp_path: Path) -> None:
    write(tmp_path, "[quote]\nrounds_included = 2\nstart = 2026-11-01\nend = 2026-10-31\n")
    code, text = check(tmp_path)
    assert code == 2
    assert ("[quote]: end (2026-10-31) comes before start (2026-11-01); the period runs from "
            "start to end, both included") in text


def test_config_check_says_how_a_since_without_offset_is_read(tmp_path: Path) -> None:
    write(tmp_path, "[quote]\nrounds_included = 2\n[comments]\nsince = 2026-12-01T09:00:00\n")
    code, text = check(tmp_path)
    assert code == 0 and "OK" in text
    assert ("[comments] since: 2026-12-01T09:00:00 has no UTC offset, so it is read in the "
            "client's time zone: 2026-12-01T09:00:00+01:00 (Europe/Paris)") in text


def test_a_since_in_the_future_is_pointed_out() -> None:
    cfg = config(comments={"since": "2027-01-04T09:00:00+01:00"})
    (note,) = config_notes(cfg, datetime(2026, 12, 2, tzinfo=UTC))
    assert "is in the future: no request made before it will get a notice" in note
    assert config_notes(cfg, datetime(2027, 2, 1, tzinfo=UTC)) == []
    assert config(comments={"since": "2026-12-01"}).comments_since == datetime(
        2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize("value", ["2026-13-01", "tomorrow"])
def test_a_since_that_is_no_date_is_refused(value: str, tmp_path: Path) -> None:
    write(tmp_path, f'[quote]\nrounds_included = 2\n[comments]\nsince = "{value}"\n')
    code, text = check(tmp_path)
    assert code == 2 and "[comments] since:" in text
