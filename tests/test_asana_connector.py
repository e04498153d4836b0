"""The Asana connector against the fake Asana: the shared contract plus Asana specifics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from connectors.base import COMPLETED_STATUS
from connectors.errors import CredentialsRefused, RemoteFatalError, RemoteRetriableError
from connectors.testing import fast_policy
from connectors.testing.contract import T0, ConnectorContract, MakeConnector, connector_maker, drain
from connectors.testing.fakes.asana import FakeAsana
from connectors.testing.fakes.base import Fault


@pytest.fixture
def fake() -> Iterator[FakeAsana]:
    with FakeAsana() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def make_connector(fake: FakeAsana) -> MakeConnector:
    return connector_maker("asana", fake)


class TestAsanaContract(ConnectorContract):
    pass


# -- Asana specifics ---------------------------------------------------------------------------
@pytest.fixture
def people(fake: FakeAsana) -> dict[str, str]:
    return {"client": fake.add_person("Claire Client"), "team": fake.add_person("Tom Team")}


def test_full_pull_pages_through_every_task_with_fresh_opts(
    fake: FakeAsana, make_connector: MakeConnector, people: dict[str, str]
) -> None:
    ids = [fake.create_ticket(f"t{i}", people["client"], at=T0 + timedelta(seconds=i))
           for i in range(205)]
    connector = make_connector()
    bundles, cursor, pages = drain(connector.pull(None))
    assert set(bundles) == set(ids)
    assert [len(p.bundles) for p in pages] == [100, 100, 5]
    listing = fake.requests_to(f"/projects/{fake.project_gid}/tasks")
    assert len(listing) == 3
    assert [r.query["limit"] for r in listing] == [["100"]] * 3
    assert "offset" not in listing[0].query
    assert listing[1].query["offset"] != listing[2].query["offset"]
    # opt_fields is one comma-separated value, not a Python list's repr
    assert all(len(r.query["opt_fields"]) == 1 and "," in r.query["opt_fields"][0]
               and "[" not in r.query["opt_fields"][0] for r in listing)
    # no time logged anywhere: no time-entry requests at all
    assert fake.requests_to("time_tracking_entries") == []
    assert connector.requests_made == 3 + 205
    assert cursor is not None and '"since":"2026-11-02T09:03:24.000Z"' in cursor


def test_request_counts_of_incremental_pulls(
    fake: FakeAsana, make_connector: MakeConnector, people: dict[str, str]
) -> None:
    ids = [fake.create_ticket(f"t{i}", people["client"], at=T0) for i in range(10)]
    fake.log_time(ids[0], 600, people["team"], at=T0)
    connector = make_connector()
    _, cursor, _ = drain(connector.pull(None))
    # listing, stories, one task with time: its entries, then the entry (for its created_at)
    assert connector.requests_made == 1 + 10 + 1 + 1
    before = connector.requests_made
    again, cursor, _ = drain(connector.pull(cursor))
    assert again == {} and connector.requests_made - before == 1
    fake.move(ids[3], "In Progress", people["team"], at=T0 + timedelta(hours=1))
    fake.log_time(ids[4], 60, people["team"], at=T0 + timedelta(hours=1))
    before = connector.requests_made
    changed, _, _ = drain(connector.pull(cursor))
    assert set(changed) == {ids[3], ids[4]}
    assert connector.requests_made - before == 1 + 2 + 1 + 1
    since = fake.requests_to("/tasks", method="GET")[-4].query["modified_since"]
    assert since == ["2026-11-02T08:58:00.000Z"]  # newest modified_at minus the overlap


def test_completion_is_a_status_and_reopening_returns_to_the_section(
    fake: FakeAsana, make_connector: MakeConnector, people: dict[str, str]
) -> None:
    t = fake.create_ticket("Banner", people["client"], at=T0)
    fake.move(t, "In Review", people["team"], at=T0 + timedelta(hours=1))
    fake.complete(t, people["team"], at=T0 + timedelta(hours=2))
    fake.move(t, "Done", people["team"], at=T0 + timedelta(hours=3))  # while completed
    bundles, _, _ = drain(make_connector().pull(None))
    assert bundles[t].ticket.status == COMPLETED_STATUS
    fake.complete(t, people["client"], completed=False, at=T0 + timedelta(hours=4))
    bundles, _, _ = drain(make_connector().pull(None))
    assert bundles[t].ticket.status == "Done"
    assert [(c.from_status, c.to_status, c.by.remote_id) for c in bundles[t].changes] == [
        ("To Do", "In Review", people["team"]),
        ("In Review", COMPLETED_STATUS, people["team"]),
        (COMPLETED_STATUS, "Done", people["client"]),
    ]


def test_time_entries_and_the_402_fallback_to_actual_time(
    fake: FakeAsana, make_connector: MakeConnector, people: dict[str, str]
) -> None:
    a = fake.create_ticket("A", people["client"], at=T0)
    b = fake.create_ticket("B", people["client"], at=T0)
    fake.log_time(a, 3600, people["team"], at=T0 + timedelta(hours=1))
    # made a day later for the day before: at = created_at, day = entered_on
    fake.log_time(a, 1800, people["team"], at=T0 + timedelta(days=1), day=T0.date())
    fake.log_time(b, 900, people["team"], at=T0 + timedelta(hours=1))
    bundles, _, _ = drain(make_connector().pull(None))
    assert sorted((e.seconds, e.at, e.day, e.by) for e in bundles[a].time_entries) == [
        (1800, T0 + timedelta(days=1), T0.date(), bundles[a].time_entries[0].by),
        (3600, T0 + timedelta(hours=1), T0.date(), bundles[a].time_entries[0].by)]
    assert {e.by.remote_id if e.by else None for e in bundles[a].time_entries} == {
        people["team"]}
    fake.time_tracking = False
    connector = make_connector()
    bundles, _, _ = drain(connector.pull(None))
    entries = bundles[a].time_entries
    # the task's total time names no author (not its assignee, not its requester)
    assert [(e.remote_id, e.seconds, e.at, e.by, e.day) for e in entries] == [
        (f"{a}:actual", 5400, bundles[a].ticket.updated_at, None, None)]
    fake.log_time(a, 600, people["team"], at=T0 + timedelta(days=2))
    bundles, _, _ = drain(connector.pull(None))
    assert [(e.remote_id, e.seconds, e.at) for e in bundles[a].time_entries] == [
        (f"{a}:actual", 6000, T0 + timedelta(days=2))]  # the new total, at the new modified_at
    assert [e.seconds for e in bundles[b].time_entries] == [900]
    asked = [r for r in fake.requests_to("time_tracking_entries") if r.status == 402]
    assert len(asked) == 1  # the 402 is remembered for the connector's lifetime


def test_labels_are_tags_and_a_tag_change_is_a_modification(
    fake: FakeAsana, make_connector: MakeConnector, people: dict[str, str]
) -> None:
    t = fake.create_ticket("Labelled", people["client"], labels=("round-1",), at=T0)
    u = fake.create_ticket("Other", people["client"], at=T0)
    connector = make_connector()
    bundles, cursor, _ = drain(connector.pull(None))
    assert bundles[t].ticket.labels == ("round-1",) and bundles[u].ticket.labels == ()
    fake.set_labels(t, ("round-2", "out-of-scope"), at=T0 + timedelta(minutes=5))
    changed, _, _ = drain(connector.pull(cursor))
    assert set(changed) == {t}
    assert changed[t].ticket.labels == ("round-2", "out-of-scope")


def test_a_pull_resumed_from_a_mid_pull_cursor_does_not_repeat_itself(
    fake: FakeAsana, make_connector: MakeConnector, people: dict[str, str]
) -> None:
    ids = [fake.create_ticket(f"t{i}", people["client"], at=T0 - timedelta(minutes=i))
           for i in range(150)]
    pages = make_connector().pull(None)
    first = next(pages)  # committed; then the run dies
    assert len(first.bundles) == 100 and first.next_cursor is not None
    assert '"since":null' in first.next_cursor
    rest, cursor, _ = drain(make_connector().pull(first.next_cursor))
    assert set(rest) == set(ids) - {b.ticket.remote_id for b in first.bundles}
    again, _, _ = drain(make_connector().pull(cursor))
    assert again == {}


def test_retry_after_is_honoured_and_every_attempt_counted(
    fake: FakeAsana, make_connector: MakeConnector, people: dict[str, str]
) -> None:
    slept: list[float] = []
    connector = make_connector(policy=fast_policy(timeout=1.0, sleep=slept.append,
                                                  max_total_wait=10.0))
    fake.inject(Fault("429", method="GET", retry_after=3))
    fake.inject(Fault("503", method="GET"))
    assert connector.whoami().remote_id == fake.bot_id
    assert connector.requests_made == 3
    assert slept == [3.0]  # the 503 had no Retry-After: backoff, zero in fast_policy
    fake.inject(Fault("429", method="GET", retry_after=60))  # beyond the total wait: give up
    with pytest.raises(RemoteRetriableError):
        connector.list_ids()
    assert connector.requests_made == 4


def test_a_post_is_retried_on_429_only(
    fake: FakeAsana, make_connector: MakeConnector, people: dict[str, str]
) -> None:
    t = fake.create_ticket("T", people["client"], at=T0)
    connector = make_connector()
    fake.inject(Fault("429", method="POST", retry_after=0))
    connector.post_comment(t, "one")
    assert connector.requests_made == 2
    fake.inject(Fault("503", method="POST"))
    with pytest.raises(RemoteRetriableError):
        connector.post_comment(t, "two")
    assert connector.requests_made == 3
    assert [r.json() for r in fake.requests_to("/stories", method="POST")][-1] == {
        "data": {"text": "two"}}


def test_persistent_resets_end_in_a_retriable_error(
    fake: FakeAsana, make_connector: MakeConnector, people: dict[str, str]
) -> None:
    connector = make_connector()
    fake.inject(Fault("reset", times=100, method="GET"))
    with pytest.raises(RemoteRetriableError):
        connector.whoami()
    assert connector.requests_made == 4  # fast_policy: 4 attempts


def test_the_token_never_shows_in_errors_or_logs(
    fake: FakeAsana, make_connector: MakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    secret = "2/s3cr3t-value-that-must-not-leak"
    with pytest.raises(CredentialsRefused) as info:
        make_connector(token=secret).whoami()
    assert secret not in str(info.value) and "401" in str(info.value)
    assert secret not in caplog.text


def test_an_unreadable_cursor_is_refused(make_connector: MakeConnector) -> None:
    with pytest.raises(RemoteFatalError):
        drain(make_connector().pull("not json"))


def test_moves_in_another_project_of_a_multi_homed_task_are_not_status_changes(
    fake: FakeAsana, make_connector: MakeConnector, people: dict[str, str]
) -> None:
    t = fake.create_ticket("Shared", people["client"], at=T0)
    fake.move_elsewhere(t, "Backlog", people["team"], at=T0 + timedelta(minutes=1))
    fake.move_elsewhere(t, "Doing", people["team"], at=T0 + timedelta(minutes=2))
    fake.move(t, "In Progress", people["team"], at=T0 + timedelta(minutes=3))
    connector = make_connector()
    bundles, _, _ = drain(connector.pull(None))
    assert bundles[t].ticket.status == "In Progress"
    assert [(c.from_status, c.to_status) for c in bundles[t].changes] == [
        ("To Do", "In Progress")]
    assert len(fake.requests_to(f"/projects/{fake.project_gid}/sections")) == 1
    assert bundles[t].ticket.requester.name == "Claire Client"


def test_an_entry_says_when_it_was_made_only_in_its_own_record(
    fake: FakeAsana, make_connector: MakeConnector, people: dict[str, str]
) -> None:
    a = fake.create_ticket("A", people["client"], at=T0)
    kept = fake.log_time(a, 600, people["team"], at=T0 + timedelta(hours=1))
    gone = fake.log_time(a, 1200, people["team"], at=T0 + timedelta(hours=2))

    def delete_after_listing(method: str, path: str, body: object) -> object:
        # the entry is deleted between the task's listing and the read of its own record
        if path.endswith(f"/tasks/{a}/time_tracking_entries"):
            task = fake.tasks[a]
            task.entries = [e for e in task.entries if e["gid"] != gone]
        return body

    fake.rewrites.append(delete_after_listing)
    bundles, _, _ = drain(make_connector().pull(None))
    listing = fake.requests_to(f"/tasks/{a}/time_tracking_entries")
    assert b"created_at" not in listing[0].response_body  # compact records
    assert [r.status for r in fake.requests_to("/time_tracking_entries/")] == [200, 404]
    assert [(e.remote_id, e.at, e.seconds) for e in bundles[a].time_entries] == [
        (kept, T0 + timedelta(hours=1), 600)]


# -- priorities (enum custom fields) ------------------------------------------------------------
def test_enum_custom_fields_come_with_the_task_listing_at_no_extra_request(
    fake: FakeAsana, make_connector: MakeConnector, people: dict[str, str]
) -> None:
    effort = fake.add_custom_field("Effort", ("S", "M", "L"))
    fake.add_custom_field("Budget code", (), subtype="text")
    urgent = fake.create_ticket("Site down", people["client"], at=T0)
    sized = fake.create_ticket("Resize", people["client"], at=T0)
    plain = fake.create_ticket("Typo", people["client"], at=T0)
    before = make_connector()
    drain(before.pull(None))
    fake.set_priority(urgent, "High", at=T0 + timedelta(minutes=1))
    fake.set_choice(sized, "Effort", "L", at=T0 + timedelta(minutes=1))
    fake.set_choice(sized, "Priority", "Low", at=T0 + timedelta(minutes=2))
    fake.set_choice(sized, "Priority", None, at=T0 + timedelta(minutes=3))  # cleared again
    connector = make_connector()
    bundles, _, _ = drain(connector.pull(None))
    assert bundles[urgent].ticket.custom_fields == (("Priority", "High"),)
    assert bundles[sized].ticket.custom_fields == (("Effort", "L"),)
    assert bundles[plain].ticket.custom_fields == ()
    assert all(b.ticket.priority is None for b in bundles.values())
    assert connector.requests_made == before.requests_made
    [listing] = fake.requests_to(f"/projects/{fake.project_gid}/tasks")[-1:]
    assert "custom_fields.enum_value.name" in listing.query["opt_fields"][0]
    # the story Asana writes for the change is neither a comment nor a move
    assert len(bundles[sized].comments) == 0 and bundles[sized].changes == ()
    assert effort in {f.gid for f in fake.fields}


def test_custom_fields_are_served_only_as_opt_fields_ask(fake: FakeAsana,
                                                         people: dict[str, str]) -> None:
    task = fake.create_ticket("Site down", people["client"], at=T0)
    fake.set_priority(task, "Medium", at=T0)
    import requests

    def get(opt_fields: str) -> dict[str, object]:
        answer = requests.get(f"{fake.base_url}/tasks/{task}", timeout=5,
                              params={"opt_fields": opt_fields},
                              headers={"Authorization": f"Bearer {fake.token}"})
        data: dict[str, object] = answer.json()["data"]
        return data

    assert "custom_fields" not in get("name")
    [field] = get("custom_fields.name,custom_fields.enum_value.name")["custom_fields"]  # type: ignore[misc]
    gid = fake.fields[0].gid
    assert field == {"gid": gid, "resource_type": "custom_field", "name": "Priority",
                     "enum_value": {"gid": field["enum_value"]["gid"],
                                    "resource_type": "enum_option", "name": "Medium"}}
    [compact] = get("custom_fields")["custom_fields"]  # type: ignore[misc]
    assert compact["type"] == "enum" and compact["display_value"] == "Medium"
    assert [o["name"] for o in compact["enum_options"]] == ["High", "Medium", "Low"]
    with pytest.raises(ValueError, match="no option 'Urgent'"):
        fake.set_priority(task, "Urgent")


@pytest.mark.parametrize("broken", ["High", [{"resource_subtype": "enum", "enum_value": {}}],
                                    [{"resource_subtype": "enum", "name": "Priority",
                                      "enum_value": {"gid": "1"}}], [7]])
def test_an_unreadable_custom_field_is_one_skipped_task(
    fake: FakeAsana, make_connector: MakeConnector, people: dict[str, str], broken: object
) -> None:
    bad = fake.create_ticket("Broken", people["client"], at=T0)
    good = fake.create_ticket("Fine", people["client"], at=T0)

    def corrupt(method: str, path: str, body: object) -> object:
        for task in body.get("data", []) if isinstance(body, dict) else []:
            if isinstance(task, dict) and task.get("gid") == bad:
                task["custom_fields"] = broken
        return body

    fake.rewrites.append(corrupt)
    bundles, _, pages = drain(make_connector().pull(None))
    assert [s.remote_id for p in pages for s in p.skipped] == [bad]
    assert set(bundles) == {good}


def test_describe_lists_the_enum_fields_and_their_options_at_no_extra_request(
    fake: FakeAsana, make_connector: MakeConnector
) -> None:
    fake.add_custom_field("Effort", ("S", "M", "L"))
    fake.add_custom_field("Notes", (), subtype="text")
    connector = make_connector()
    found = connector.describe()
    assert found.custom_fields == (("Priority", ("High", "Medium", "Low")),
                                   ("Effort", ("S", "M", "L")))
    assert found.priorities is None
    assert connector.requests_made <= 6
    with FakeAsana(priority_field=None) as bare:
        assert connector_maker("asana", bare)().describe().custom_fields == ()
        assert bare.priorities == ()  # type: ignore[attr-defined]
