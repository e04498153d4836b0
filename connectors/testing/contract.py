"""The contract every connector passes (vdirsyncer's storage-test style).

A connector's test module subclasses :class:`ConnectorContract` and provides two fixtures:

- ``fake``: a started fake of the tracker, stopped after. It implements the driver interface
  :class:`connectors.testing.fakes.base.FakeTracker` (people, tickets, moves, comments, time,
  deletions, corrupt records, injected :class:`~connectors.testing.fakes.base.Fault` s, the
  comment bodies it holds, ``tracker_table``), usually on top of
  :class:`~connectors.testing.fakes.base.FakeServer`;
- ``make_connector``: ``make_connector(**overrides) -> Connector`` built against ``fake`` with
  the real client library, :func:`connectors.testing.fast_policy` and settings that map the
  fake's ``STATUSES``; ``overrides`` may replace the token (``token="wrong"``), the retry
  ``policy`` or any ``[tracker]`` key. :func:`connector_maker` builds one.

The suite knows no tracker by name and needs no registry: a third-party package runs it against
its own fake (docs/connectors.md, "Adding a tracker"). Times are set explicitly so cursor
boundaries and overlaps are exact.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import connectors
from connectors.base import Connector, Page, TicketBundle
from connectors.errors import (
    CredentialsRefused,
    RemoteError,
    RemoteFatalError,
    RemoteRetriableError,
)
from connectors.testing.fakes.base import STATUSES, FakeTracker, Fault
from connectors.testing.policy import fast_policy

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
MakeConnector = Callable[..., Connector]


def connector_maker(connector: str | type[Connector], fake: FakeTracker) -> MakeConnector:
    """The ``make_connector`` fixture's value for ``connector`` (a class, or the name it is
    registered under) on ``fake``: the real client library, a fast retry policy, the fake's
    ``tracker_table`` with ``overrides``."""
    cls = connectors.get(connector) if isinstance(connector, str) else connector

    def make(**overrides: Any) -> Connector:
        token = overrides.pop("token", fake.token)
        policy = overrides.pop("policy", fast_policy(timeout=1.0))
        table = fake.tracker_table("env:UNUSED_IN_TESTS", **overrides)
        return cls(cls.Settings.model_validate(table), {"token": token}, policy)  # type: ignore[call-arg]

    return make


def drain(pages: Iterator[Page]) -> tuple[dict[str, TicketBundle], str | None, list[Page]]:
    """Every bundle of a pull by ticket id (the last one wins), the final cursor, the pages."""
    bundles: dict[str, TicketBundle] = {}
    cursor: str | None = None
    seen: list[Page] = []
    for page in pages:
        seen.append(page)
        for bundle in page.bundles:
            bundles[bundle.ticket.remote_id] = bundle
        cursor = page.next_cursor if page.next_cursor is not None else cursor
    return bundles, cursor, seen


class ConnectorContract:
    """Behaviour every connector must show against its fake tracker."""

    #: more comments than one page of the tracker's comment listing holds
    many_comments: int = 120
    #: the most requests ``describe()`` may make (docs/PERFORMANCE.md)
    describe_budget: int = 6

    # -- helpers ----------------------------------------------------------------------------
    @pytest.fixture
    def people(self, fake: FakeTracker) -> dict[str, str]:
        return {
            "client": fake.add_person("Claire Client", "claire@client.example"),
            "other": fake.add_person("Oscar Other", "oscar@client.example"),
            "team": fake.add_person("Tom Team", "tom@studio.example"),
        }

    @pytest.fixture
    def seeded(self, fake: FakeTracker, people: dict[str, str]) -> dict[str, str]:
        """Three tickets a day old, with history, comments and time."""
        day = T0 - timedelta(days=1)
        a = fake.create_ticket("Logo bigger", people["client"], labels=("round-1",), at=day)
        b = fake.create_ticket("Fix footer", people["client"], at=day + timedelta(minutes=1))
        c = fake.create_ticket("Internal cleanup", people["team"], labels=("internal",),
                               at=day + timedelta(minutes=2))
        fake.move(a, "In Progress", people["team"], at=day + timedelta(hours=1))
        fake.move(a, "In Review", people["team"], at=day + timedelta(hours=2))
        fake.add_comment(a, "Please make it blue too", people["client"],
                         at=day + timedelta(hours=3))
        fake.log_time(a, 5400, people["team"], at=day + timedelta(hours=2))
        return {"a": a, "b": b, "c": c}

    # -- pulling ----------------------------------------------------------------------------
    def test_whoami_is_the_token_owner(self, fake: FakeTracker,
                                       make_connector: MakeConnector) -> None:
        me = make_connector().whoami()
        assert me.remote_id == fake.bot_id
        assert me.name

    def test_full_pull_normalizes_every_ticket(
        self, fake: FakeTracker, make_connector: MakeConnector, people: dict[str, str],
        seeded: dict[str, str],
    ) -> None:
        bundles, cursor, _ = drain(make_connector().pull(None))
        assert set(bundles) >= set(seeded.values())
        a = bundles[seeded["a"]]
        assert a.ticket.title == "Logo bigger"
        assert a.ticket.requester.remote_id == people["client"]
        assert a.ticket.status == "In Review"
        assert "round-1" in a.ticket.labels
        assert a.ticket.created_at == T0 - timedelta(days=1)
        assert a.ticket.created_at.tzinfo is not None and a.ticket.url
        moves = [(c.from_status, c.to_status, c.by.remote_id) for c in a.changes]
        assert ("To Do", "In Progress", people["team"]) in moves
        assert ("In Progress", "In Review", people["team"]) in moves
        assert [c.body for c in a.comments if c.by.remote_id == people["client"]] == [
            "Please make it blue too"]
        # ``at`` is when the time was logged, on every tracker (Asana: the entry's created_at)
        assert [(t.seconds, t.by.remote_id if t.by else None, t.at) for t in a.time_entries] == [
            (5400, people["team"], T0 - timedelta(days=1, hours=-2))]
        assert bundles[seeded["c"]].ticket.requester.remote_id == people["team"]
        assert cursor is not None

    def test_no_change_incremental_pull_yields_nothing(
        self, make_connector: MakeConnector, seeded: dict[str, str]
    ) -> None:
        connector = make_connector()
        _, cursor, _ = drain(connector.pull(None))
        again, next_cursor, _ = drain(connector.pull(cursor))
        assert again == {}
        assert next_cursor in (None, cursor) or next_cursor >= (cursor or "")

    def test_incremental_pull_returns_only_changed_tickets(
        self, fake: FakeTracker, make_connector: MakeConnector, people: dict[str, str],
        seeded: dict[str, str],
    ) -> None:
        connector = make_connector()
        _, cursor, _ = drain(connector.pull(None))
        fake.move(seeded["b"], "In Progress", people["team"], at=T0)
        changed, _, _ = drain(make_connector().pull(cursor))
        assert set(changed) == {seeded["b"]}
        assert changed[seeded["b"]].ticket.status == "In Progress"

    def test_changes_on_the_cursor_boundary_and_in_the_overlap_are_not_lost(
        self, fake: FakeTracker, make_connector: MakeConnector, people: dict[str, str],
        seeded: dict[str, str],
    ) -> None:
        fake.move(seeded["a"], "Done", people["team"], at=T0)
        _, cursor, _ = drain(make_connector().pull(None))
        # b changes at the very instant of the newest change seen; c's change shows up late,
        # dated two minutes before it (inside the overlap window).
        fake.add_comment(seeded["b"], "Same second", people["client"], at=T0)
        fake.add_comment(seeded["c"], "Late arrival", people["client"],
                         at=T0 - timedelta(minutes=2))
        changed, cursor2, _ = drain(make_connector().pull(cursor))
        assert {seeded["b"], seeded["c"]} <= set(changed)
        assert seeded["a"] not in changed
        assert "Same second" in [c.body for c in changed[seeded["b"]].comments]
        assert "Late arrival" in [c.body for c in changed[seeded["c"]].comments]
        again, _, _ = drain(make_connector().pull(cursor2))
        assert again == {}

    def test_reopen_by_another_person_is_attributed_to_the_mover(
        self, fake: FakeTracker, make_connector: MakeConnector, people: dict[str, str]
    ) -> None:
        t = fake.create_ticket("Banner", people["client"], at=T0)
        fake.move(t, "Done", people["team"], at=T0 + timedelta(hours=1))
        fake.move(t, "To Do", people["other"], at=T0 + timedelta(hours=2))
        bundles, _, _ = drain(make_connector().pull(None))
        bundle = bundles[t]
        assert bundle.ticket.requester.remote_id == people["client"]
        reopen = [c for c in bundle.changes if c.to_status == "To Do"]
        assert [(c.from_status, c.by.remote_id, c.at) for c in reopen] == [
            ("Done", people["other"], T0 + timedelta(hours=2))]

    def test_a_bad_record_is_skipped_and_reported(
        self, fake: FakeTracker, make_connector: MakeConnector, seeded: dict[str, str]
    ) -> None:
        fake.corrupt_ticket(seeded["b"])
        bundles, _, pages = drain(make_connector().pull(None))
        assert seeded["a"] in bundles and seeded["c"] in bundles
        assert seeded["b"] not in bundles
        skipped = [s for p in pages for s in p.skipped]
        assert [s.remote_id for s in skipped] == [seeded["b"]]
        assert skipped[0].reason

    # -- comments ---------------------------------------------------------------------------
    def test_post_then_find_comment_by_marker(
        self, fake: FakeTracker, make_connector: MakeConnector, people: dict[str, str]
    ) -> None:
        t = fake.create_ticket("Many comments", people["client"], at=T0)
        for i in range(self.many_comments):
            fake.add_comment(t, f"chatter {i}", people["client"], at=T0 + timedelta(seconds=i))
        connector = make_connector()
        body = "Received: round 1 of 3.\n\nrb-0123456789"
        comment_id = connector.post_comment(t, body)
        assert (comment_id, body) in fake.comment_bodies(t)
        assert connector.find_comment(t, "rb-0123456789") == comment_id
        assert connector.find_comment(t, "rb-ffffffffff") is None

    def test_post_retried_on_429_posts_once(
        self, fake: FakeTracker, make_connector: MakeConnector, people: dict[str, str]
    ) -> None:
        t = fake.create_ticket("Rate limited", people["client"], at=T0)
        fake.inject(Fault("429", method="POST"))
        comment_id = make_connector().post_comment(t, "hello rb-aaaaaaaaaa")
        assert [cid for cid, _ in fake.comment_bodies(t)] == [comment_id]

    @pytest.mark.parametrize("kind", ["503", "500", "slow-after-commit", "reset"])
    def test_post_is_never_resent_on_an_ambiguous_failure(
        self, fake: FakeTracker, make_connector: MakeConnector, people: dict[str, str], kind: Any
    ) -> None:
        t = fake.create_ticket("Flaky", people["client"], at=T0)
        fake.inject(Fault(kind, method="POST"))
        connector = make_connector()
        with pytest.raises(RemoteRetriableError):
            connector.post_comment(t, "notice rb-bbbbbbbbbb")
        posted = [body for _, body in fake.comment_bodies(t) if "rb-bbbbbbbbbb" in body]
        assert len(posted) == (1 if kind == "slow-after-commit" else 0)
        found = connector.find_comment(t, "rb-bbbbbbbbbb")
        assert (found is not None) == (kind == "slow-after-commit")

    # -- deletions and auth -----------------------------------------------------------------
    def test_list_ids_sees_deletions(
        self, fake: FakeTracker, make_connector: MakeConnector, seeded: dict[str, str]
    ) -> None:
        connector = make_connector()
        assert connector.list_ids() >= set(seeded.values())
        fake.delete_ticket(seeded["b"])
        ids = connector.list_ids()
        assert seeded["b"] not in ids and seeded["a"] in ids

    def test_refused_credentials(self, make_connector: MakeConnector) -> None:
        with pytest.raises(CredentialsRefused):
            make_connector(token="not-the-token").whoami()

    # -- faults -----------------------------------------------------------------------------
    @pytest.mark.parametrize("kind", ["429", "429-date", "500", "503", "timeout", "reset"])
    def test_transient_fault_during_pull_is_retried(
        self, fake: FakeTracker, make_connector: MakeConnector, seeded: dict[str, str], kind: Any
    ) -> None:
        expected, _, _ = drain(make_connector().pull(None))
        fake.inject(Fault(kind, method="GET"))
        got, _, _ = drain(make_connector().pull(None))
        assert set(got) == set(expected)
        assert got[seeded["a"]] == expected[seeded["a"]]

    @pytest.mark.parametrize("kind", ["503", "429"])
    def test_persistent_fault_gives_a_retriable_error(
        self, fake: FakeTracker, make_connector: MakeConnector, seeded: dict[str, str], kind: Any
    ) -> None:
        connector = make_connector()
        connector.whoami()
        fake.inject(Fault(kind, times=1000, method="GET", retry_after=0))
        with pytest.raises(RemoteRetriableError):
            drain(connector.pull(None))

    @pytest.mark.parametrize("kind", ["malformed", "truncated"])
    def test_malformed_body_is_a_clear_error_then_the_next_pull_works(
        self, fake: FakeTracker, make_connector: MakeConnector, seeded: dict[str, str], kind: Any
    ) -> None:
        connector = make_connector()
        connector.whoami()
        fake.inject(Fault(kind, times=1000, method="GET"))
        with pytest.raises(RemoteError):
            drain(connector.pull(None))
        fake.clear_faults()
        got, _, _ = drain(make_connector().pull(None))
        assert set(got) >= set(seeded.values())

    # -- hostile answers --------------------------------------------------------------------
    def test_a_listing_whose_pages_never_end_stops_with_a_clear_error(
        self, fake: FakeTracker, make_connector: MakeConnector, seeded: dict[str, str]
    ) -> None:
        connector = make_connector()
        connector.whoami()
        before = connector.requests_made
        # every GET now gets the first listing page again, naming the same next page
        fake.inject(Fault("looping-page", times=10**6, method="GET"))
        with pytest.raises(RemoteFatalError, match="twice"):
            drain(connector.pull(None))
        assert connector.requests_made - before <= 5

    def test_a_server_trickling_its_answer_is_given_up_on_at_the_deadline(
        self, fake: FakeTracker, make_connector: MakeConnector, seeded: dict[str, str]
    ) -> None:
        # each byte comes within the per-read timeout; the whole answer never does
        connector = make_connector(policy=fast_policy(timeout=0.4, deadline=0.8))
        connector.whoami()
        fake.inject(Fault("slow-drip", times=10**6, method="GET", delay=0.2))
        began = time.monotonic()
        with pytest.raises(RemoteRetriableError):
            drain(connector.pull(None))
        # four attempts of 0.8 s at most, where reading the answers would take many minutes
        assert time.monotonic() - began < 15
        fake.clear_faults()
        got, _, _ = drain(make_connector().pull(None))
        assert set(got) >= set(seeded.values())

    def test_a_record_of_another_project_or_board_is_refused(
        self, fake: FakeTracker, make_connector: MakeConnector, seeded: dict[str, str]
    ) -> None:
        expected, _, _ = drain(make_connector().pull(None))
        fake.inject(Fault("foreign", times=10**6, method="GET"))
        got, _, pages = drain(make_connector().pull(None))
        skipped = [s for p in pages for s in p.skipped]
        assert len(skipped) == 1 and skipped[0].remote_id in expected
        assert skipped[0].remote_id not in got
        assert set(got) == set(expected) - {skipped[0].remote_id}
    # -- priorities -------------------------------------------------------------------------
    def test_a_priority_is_read_with_its_ticket_at_no_extra_request(
        self, fake: FakeTracker, make_connector: MakeConnector, seeded: dict[str, str]
    ) -> None:
        if not hasattr(fake, "set_priority"):
            pytest.skip("the fake has no set_priority (FakeTracker.priorities, set_priority)")
        plain = make_connector()
        drain(plain.pull(None))
        high, low = fake.priorities[0], fake.priorities[-1]
        fake.set_priority(seeded["a"], high, at=T0)
        fake.set_priority(seeded["b"], low, at=T0)
        connector = make_connector()
        bundles, cursor, _ = drain(connector.pull(None))
        assert priority_names(fake, bundles[seeded["a"]]) == {high}
        assert priority_names(fake, bundles[seeded["b"]]) == {low}
        assert priority_names(fake, bundles[seeded["c"]]) == set()
        # the priority comes in the pages a pull reads anyway
        assert connector.requests_made == plain.requests_made
        # a new priority alone is a change the next incremental pull sees
        fake.set_priority(seeded["a"], low, at=T0 + timedelta(hours=1))
        fake.set_priority(seeded["b"], None, at=T0 + timedelta(hours=1))
        again, _, _ = drain(connector.pull(cursor))
        assert priority_names(fake, again[seeded["a"]]) == {low}
        assert priority_names(fake, again[seeded["b"]]) == set()

    # -- discovery --------------------------------------------------------------------------
    def test_describe_shows_projects_statuses_people_and_labels_within_budget(
        self, fake: FakeTracker, make_connector: MakeConnector, people: dict[str, str],
        seeded: dict[str, str],
    ) -> None:
        connector = make_connector()
        found = connector.describe()
        assert connector.requests_made <= self.describe_budget
        assert found.me.remote_id == fake.bot_id and found.me.name
        assert found.project is not None and found.project in found.projects
        assert len(found.projects) >= 2
        assert [s.name for s in found.statuses][:len(STATUSES)] == list(STATUSES)
        assert set(people.values()) <= {p.remote_id for p in found.people}
        assert {"round-1", "internal"} <= set(found.labels)
        claire = next(p for p in found.people if p.remote_id == people["client"])
        assert claire.name == "Claire Client"
        assert claire.email in (None, "claire@client.example")
        assert claire.email is not None or claire.username
        json = found.as_json()
        assert json["project"]["key"] == found.project.key
        assert [s["name"] for s in json["statuses"]] == [s.name for s in found.statuses]

    def test_describe_of_an_unknown_project_still_lists_the_projects(
        self, fake: FakeTracker, make_connector: MakeConnector,
    ) -> None:
        connector = make_connector(**{project_setting(make_connector()): "99999999"})
        found = connector.describe()
        assert found.project is None and found.statuses == () and found.people == ()
        assert found.projects and found.me.remote_id == fake.bot_id

    def test_describe_with_a_refused_token(self, make_connector: MakeConnector) -> None:
        with pytest.raises(CredentialsRefused):
            make_connector(token="not-the-token").describe()


def priority_names(fake: FakeTracker, bundle: TicketBundle) -> set[str]:
    """Every priority a ticket carries, wherever its tracker keeps it: its own priority field,
    a single-choice custom field, or a label that is one of the fake's priorities."""
    ticket = bundle.ticket
    own = {ticket.priority} if ticket.priority is not None else set()
    return (own | {value for _, value in ticket.custom_fields}
            | set(ticket.labels) & set(fake.priorities))


def project_setting(connector: Connector) -> str:
    """The name of the ``[tracker]`` key naming the project / board of ``connector``."""
    fields = type(connector).Settings.model_fields
    return next(name for name in ("project", "board") if name in fields)
