"""A time entry's moment and authorless entries (docs/rounds.md, "Time entries")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bridge.clientfile.schema import Sla
from bridge.engine.moments import Moments
from connectors.base import TimeEntry
from tests.ledger_builders import CLAIRE, ME, at, ledger, move, only, ticket

PARIS = ZoneInfo("Europe/Paris")


def entry(rid: str, when: datetime, seconds: int, day: date | None = None,
          by: object = ME) -> TimeEntry:
    return TimeEntry(rid, "1", when, by, seconds, day)  # type: ignore[arg-type]


def reopened() -> tuple[list, list]:  # type: ignore[type-arg]
    """Ticket 1: asked 2 Mar 09:00, done 3 Mar 09:00, reopened by Claire 5 Mar 09:00."""
    return ([ticket("1", at(2))],
            [move("1", at(3), "To Do", "Done"), move("1", at(5), "Done", "To Do", CLAIRE)])


def test_time_logged_after_a_reopen_on_the_same_day_goes_to_the_reopen() -> None:
    # Asana: logged at 10:00 for 5 March, one hour after the 09:00 reopen → the reopen.
    tickets, changes = reopened()
    found = ledger(tickets, changes, [entry("e1", at(5, 10), 3600, date(2026, 3, 5))])
    new, reopen = found.requests
    assert (new.seconds, reopen.seconds) == (0, 3600)
    assert [r.seconds for r in found.rounds] == [0, 3600]


def test_time_logged_later_for_an_earlier_day_goes_to_what_was_open_that_day() -> None:
    # Logged on 6 March at 08:00 for 4 March: 4 March 18:00 (end of business hours) is before
    # the reopen, so the hours belong to the first request. The same entry logged for 5 March
    # ends up at 5 March 18:00, after the reopen.
    tickets, changes = reopened()
    found = ledger(tickets, changes, [entry("e1", at(6, 8), 1800, date(2026, 3, 4)),
                                      entry("e2", at(6, 8), 600, date(2026, 3, 5))])
    new, reopen = found.requests
    assert (new.seconds, reopen.seconds) == (1800, 600)


def test_the_day_is_read_in_the_client_s_time_zone() -> None:
    # 5 March 08:30 UTC is 09:30 in Paris: a Paris-dated 5 March entry logged then keeps its
    # time (after an 08:00 UTC reopen). At 23:30 UTC on 4 March it is already 5 March in
    # Paris: also its own day, so it keeps its time (before the reopen).
    tickets = [ticket("1", at(2))]
    changes = [move("1", at(3), "To Do", "Done"), move("1", at(5, 8), "Done", "To Do", CLAIRE)]
    entries = [entry("e1", at(5, 8, 30), 60, date(2026, 3, 5)),
               entry("e2", at(4, 23, 30), 120, date(2026, 3, 5))]
    new, reopen = ledger(tickets, changes, entries, timezone="Europe/Paris").requests
    assert (new.seconds, reopen.seconds) == (120, 60)
    # read in UTC, e2 (4 March 23:30) is dated another day: 5 March 18:00 UTC, the reopen's
    new, reopen = ledger(tickets, changes, entries).requests
    assert (new.seconds, reopen.seconds) == (0, 180)


def test_end_of_business_hours_follows_the_sla_and_daylight_saving() -> None:
    moments = Moments(Sla(business_hours="09:00-17:30"), PARIS)
    # winter: 17:30 CET = 16:30 UTC; summer: 17:30 CEST = 15:30 UTC
    assert moments.end_of_business(date(2026, 3, 6)) == datetime(2026, 3, 6, 16, 30, tzinfo=UTC)
    assert moments.end_of_business(date(2026, 7, 6)) == datetime(2026, 7, 6, 15, 30, tzinfo=UTC)
    # a Saturday has no business hours; the day still ends at the closing time
    assert moments.end_of_business(date(2026, 3, 7)) == datetime(2026, 3, 7, 16, 30, tzinfo=UTC)
    late = Moments(Sla(business_hours="08:00-24:00"), PARIS)
    assert late.end_of_business(date(2026, 3, 6)) == datetime(2026, 3, 6, 23, 0, tzinfo=UTC)
    logged = entry("e", at(9, 12), 60, date(2026, 3, 6))
    assert moments.of(logged) == datetime(2026, 3, 6, 16, 30, tzinfo=UTC)
    assert moments.of(entry("e", at(6, 12), 60, date(2026, 3, 6))) == at(6, 12)
    assert moments.of(entry("e", at(9, 12), 60)) == at(9, 12)


def test_an_entry_without_an_author_is_always_billed() -> None:
    # [contacts].team is set: Claire's own 7200 s are not the freelancer's work; the task's
    # total time (no author) is: 3600 (Mia) + 5400 (no author) = 9000 s = 2.5 h, billed at 80/h
    # beyond the 1 h included → 1.5 h = 120.
    entries = [entry("w1", at(3), 3600), entry("w2", at(3, 10), 7200, by=CLAIRE),
               entry("1:actual", at(4), 5400, by=None)]
    found = ledger([ticket("1", at(2))], (), entries, quote={"hours_included": 1})
    assert only(found, "1").seconds == 9000
    assert found.overage.hours == 1.5 and found.overage.amount == 120.0
    assert [e.remote_id for e in only(found, "1").entries] == ["w1", "1:actual"]
