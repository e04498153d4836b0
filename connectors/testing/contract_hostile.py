"""The contract's hostile answers (issue 16): pages that never end, a server trickling its
answer, a record of another project or board, a record nested deeper than any JSON parser
goes. :class:`~connectors.testing.contract.ConnectorContract` inherits them; its ``fake``,
``make_connector`` and ``seeded`` fixtures serve them."""

from __future__ import annotations

import time

import pytest

from connectors.errors import AnswerTooDeep, RemoteFatalError, RemoteRetriableError
from connectors.testing.fakes.base import FakeTracker, Fault
from connectors.testing.policy import fast_policy
from connectors.testing.pulls import MakeConnector, drain


class HostileAnswers:
    """Hostile answers every connector must survive with a clear error or a skipped record."""

    #: the connector reads a record alone when its listing page is too deep to read (else a
    #: page nested too deeply fails the pull with :class:`AnswerTooDeep`)
    reads_records_alone: bool = True

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

    def test_a_record_nested_too_deeply_is_skipped_never_a_recursion_error(
        self, fake: FakeTracker, make_connector: MakeConnector, seeded: dict[str, str]
    ) -> None:
        # ``b``'s rich field is nested 100,000 deep in every answer holding it
        fake.inject(Fault("deeply-nested", times=10**6, victim=seeded["b"]))
        if not self.reads_records_alone:
            with pytest.raises(AnswerTooDeep, match="nested too deeply"):
                drain(make_connector().pull(None))
            return
        got, cursor, pages = drain(make_connector().pull(None))
        skipped = [s for p in pages for s in p.skipped]
        assert [s.remote_id for s in skipped] == [seeded["b"]]
        assert "nested too deeply" in skipped[0].reason
        assert seeded["a"] in got and seeded["c"] in got and seeded["b"] not in got
        assert cursor is not None  # the next pull starts after it
