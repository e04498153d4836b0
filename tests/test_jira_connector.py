"""The Jira connector against the fake Jira, in Cloud and Data Center modes."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from connectors.base import Connector
from connectors.errors import CredentialsRefused, RemoteRetriableError
from connectors.jira.connector import JiraConnector, JiraSettings
from connectors.testing.contract import T0, ConnectorContract, MakeConnector, connector_maker, drain
from connectors.testing.fakes.base import Fault
from connectors.testing.fakes.jira import (
    EMBEDDED_COMMENTS,
    EMBEDDED_HISTORIES,
    FakeJira,
    settings_for,
)


@pytest.fixture(params=["cloud", "datacenter"])
def fake(request: pytest.FixtureRequest) -> Iterator[FakeJira]:
    server = FakeJira(request.param)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_connector(fake: FakeJira) -> MakeConnector:
    return connector_maker("jira", fake)


class TestJiraContract(ConnectorContract):
    """The shared contract, once per deployment (the ``fake`` fixture is parametrized)."""


def searches(fake: FakeJira) -> list[Any]:
    return [r for r in fake.requests_to("/rest/api/2/search") if r.method == "GET"]


# -- deployment and auth ----------------------------------------------------------------------
def test_deployment_picks_the_search_endpoint_and_auth(
        fake: FakeJira, make_connector: MakeConnector) -> None:
    fake.create_ticket("One", fake.bot_id, at=T0)
    drain(make_connector().pull(None))
    paths = {r.path for r in searches(fake)}
    auth = {v for r in searches(fake) for k, v in r.headers.items() if k.lower() == "authorization"}
    if fake.deployment == "cloud":
        assert paths == {"/rest/api/2/search/jql"}
        expected = base64.b64encode(f"{fake.email}:{fake.token}".encode()).decode()
        assert auth == {f"Basic {expected}"}
    else:
        assert paths == {"/rest/api/2/search"}
        assert auth == {f"Bearer {fake.token}"}


def test_deployment_setting_skips_server_info(fake: FakeJira,
                                              make_connector: MakeConnector) -> None:
    connector = make_connector(deployment=fake.deployment)
    drain(connector.pull(None))
    assert fake.requests_to("/serverInfo") == []
    assert connector.requests_made == 1  # one search: no serverInfo, no /field


def test_whoami_is_cached_and_carries_the_dc_key_or_cloud_account(
        fake: FakeJira, make_connector: MakeConnector) -> None:
    connector = make_connector()
    assert connector.whoami() == connector.whoami()
    assert len(fake.requests_to("/myself")) == 1
    assert connector.whoami().remote_id.startswith(
        "712020:" if fake.deployment == "cloud" else "JIRAUSER")


def test_refused_token_never_shows_in_the_error(fake: FakeJira,
                                                make_connector: MakeConnector) -> None:
    secret = "s3cret-never-printed"
    with pytest.raises(CredentialsRefused) as info:
        drain(make_connector(token=secret).pull(None))
    assert secret not in str(info.value) and secret not in repr(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


# -- request counts ---------------------------------------------------------------------------
def test_request_counts_of_full_and_incremental_pulls(
        fake: FakeJira, make_connector: MakeConnector) -> None:
    for i in range(250):  # a minute apart: the 5-minute overlap re-reads only the last few
        fake.create_ticket(f"T{i}", fake.bot_id, at=T0 + timedelta(minutes=i))
    connector = make_connector()
    _, cursor, pages = drain(connector.pull(None))
    assert len(pages) == 3  # one Page per search page of 100
    assert connector.requests_made == 1 + 3  # serverInfo + 3 searches
    assert fake.requests_to("/rest/api/2/field") == []  # our fields are REST ids already
    before = connector.requests_made
    again, _, _ = drain(connector.pull(cursor))
    assert again == {}
    assert connector.requests_made - before == 1 + 1  # myself (once) + one search
    before = connector.requests_made
    drain(connector.pull(cursor))
    assert connector.requests_made - before == 1  # a no-change pull is ONE search
    # a new connector (the next sync) learns Cloud or not from the cursor: myself + one search
    fresh = make_connector()
    assert drain(fresh.pull(cursor))[0] == {}
    assert fresh.requests_made == 2 and len(fake.requests_to("/serverInfo")) == 1


def test_truncated_embedded_lists_are_fetched_only_when_truncated(
        fake: FakeJira, make_connector: MakeConnector) -> None:
    plain = fake.create_ticket("Plain", fake.bot_id, at=T0)
    fake.add_comment(plain, "one", fake.bot_id, at=T0)
    busy = fake.create_ticket("Busy", fake.bot_id, at=T0)
    for i in range(EMBEDDED_COMMENTS + 5):
        fake.add_comment(busy, f"c{i}", fake.bot_id, at=T0 + timedelta(seconds=i))
        fake.log_time(busy, 60, fake.bot_id, at=T0 + timedelta(seconds=i))
    for i in range(EMBEDDED_HISTORIES + 3):
        fake.move(busy, "In Progress" if i % 2 == 0 else "To Do", fake.bot_id,
                  at=T0 + timedelta(minutes=1, seconds=i))
    bundles, _, _ = drain(make_connector().pull(None))
    b = bundles[busy]
    assert [c.body for c in b.comments] == [f"c{i}" for i in range(EMBEDDED_COMMENTS + 5)]
    assert len(b.time_entries) == EMBEDDED_COMMENTS + 5
    assert len(b.changes) == EMBEDDED_HISTORIES + 3
    assert [c.at for c in b.changes] == sorted(c.at for c in b.changes)
    extra = [r.path for r in fake.log if "/issue/" in r.path]
    assert all(f"/issue/{busy}/" in p or p.endswith(f"/issue/{busy}") for p in extra)
    assert any(p.endswith("/comment") for p in extra)
    assert any(p.endswith("/worklog") for p in extra)
    if fake.deployment == "cloud":
        assert any(p.endswith("/changelog") for p in extra)
    else:  # DC has no changelog endpoint: the issue resource carries the whole changelog
        assert [r.query.get("expand") for r in fake.requests_to(f"/issue/{busy}")
                if r.path.endswith(f"/issue/{busy}")] == [["changelog"]]
    # comments (25 < one page), worklogs (idem), changelog: 2 pages of 100 on Cloud, 1 issue on DC
    follow_ups = 4 if fake.deployment == "cloud" else 3
    assert len([r for r in fake.log if "/issue/" in r.path]) == follow_ups


# -- the cursor -------------------------------------------------------------------------------
def test_incremental_jql_is_minute_precision_in_the_user_zone(
        fake: FakeJira, make_connector: MakeConnector) -> None:
    t = fake.create_ticket("Zoned", fake.bot_id, at=T0 + timedelta(seconds=42))
    connector = make_connector()
    _, cursor, _ = drain(connector.pull(None))
    assert cursor is not None and json.loads(cursor)["updated"] == "2026-11-02T09:00:42.000Z"
    drain(connector.pull(cursor))
    jql = searches(fake)[-1].query["jql"][0]
    # 09:00:42Z - 5 min = 08:55:42Z = 09:55 in Paris (UTC+1 in November), floored to the minute
    assert jql == ('project = "WEB" AND updated >= "2026-11-02 09:55" ORDER BY updated ASC')
    fake.move(t, "Done", fake.bot_id, at=T0 + timedelta(minutes=3))
    changed, _, _ = drain(connector.pull(cursor))
    assert list(changed) == [t] and changed[t].ticket.status == "Done"


def test_extra_jql_filter_narrows_pull_and_listing(
        fake: FakeJira, make_connector: MakeConnector) -> None:
    keep = fake.create_ticket("Keep", fake.bot_id, labels=("client",), at=T0)
    fake.create_ticket("Drop", fake.bot_id, at=T0)
    connector = make_connector(jql="labels in (client, urgent)")
    bundles, _, _ = drain(connector.pull(None))
    assert set(bundles) == {keep}
    assert connector.list_ids() == {keep}


def test_list_ids_pages_with_id_only_and_raises_rather_than_be_partial(
        fake: FakeJira, make_connector: MakeConnector) -> None:
    ids = {fake.create_ticket(f"T{i}", fake.bot_id, at=T0) for i in range(205)}
    connector = make_connector()
    assert connector.list_ids() == ids
    assert {tuple(r.query.get("fields", [])) for r in searches(fake)} == {("id",)}
    fake.inject(Fault("503", times=1000, method="GET", path_contains="/search"))
    with pytest.raises(RemoteRetriableError):
        connector.list_ids()


def test_503_on_add_comment_posts_nothing_and_is_retriable(
        fake: FakeJira, make_connector: MakeConnector) -> None:
    t = fake.create_ticket("Flaky", fake.bot_id, at=T0)
    fake.inject(Fault("503", method="POST"))
    connector = make_connector()
    with pytest.raises(RemoteRetriableError):
        connector.post_comment(t, "hello rb-cccccccccc")
    assert fake.comment_bodies(t) == []
    assert len(fake.requests_to("/comment", method="POST")) == 1


def test_registered_and_shaped_as_a_connector(fake: FakeJira,
                                               make_connector: MakeConnector) -> None:
    import connectors

    assert connectors.get("jira") is JiraConnector
    assert connectors.settings_model("jira") is JiraSettings
    assert isinstance(make_connector(), Connector)
    assert make_connector().requests_made == 0  # nothing is sent before the first call
    with pytest.raises(ValueError):
        JiraSettings.model_validate(settings_for(fake, deployment="server"))


# -- priorities ---------------------------------------------------------------------------------
def test_the_priority_comes_with_the_search_page_and_costs_no_request(
        fake: FakeJira, make_connector: MakeConnector) -> None:
    urgent = fake.create_ticket("Site down", fake.bot_id, at=T0)
    plain = fake.create_ticket("Typo", fake.bot_id, at=T0)
    before = make_connector()
    drain(before.pull(None))
    fake.set_priority(urgent, "Highest", at=T0 + timedelta(minutes=1))
    connector = make_connector()
    bundles, _, _ = drain(connector.pull(None))
    assert bundles[urgent].ticket.priority == "Highest"
    assert bundles[plain].ticket.priority is None
    assert connector.requests_made == before.requests_made
    assert all("priority" in ",".join(r.query.get("fields", [])) for r in searches(fake))
    assert not fake.requests_to("/priority")  # the search carries it: no priority listing


def test_the_fake_serves_the_priority_object_only_when_asked(fake: FakeJira) -> None:
    issue = fake.create_ticket("Site down", fake.bot_id, at=T0)
    fake.set_priority(issue, "High", at=T0)
    with fake.lock:
        asked = fake.issue_json(fake.issues[int(issue)], ["summary", "priority"], False)
        not_asked = fake.issue_json(fake.issues[int(issue)], ["summary"], False)
    assert asked["fields"]["priority"] == {
        "self": f"{fake.root_url}/rest/api/2/priority/2",
        "iconUrl": f"{fake.root_url}/images/icons/priorities/high.svg", "name": "High",
        "id": "2"}
    assert "priority" not in not_asked["fields"]
    items = [i for h in fake.issues[int(issue)].histories for i in h["items"]]
    assert items[-1] == {"field": "priority", "fieldtype": "jira", "fieldId": "priority",
                         "from": None, "fromString": None, "to": "2", "toString": "High"}
    with pytest.raises(ValueError, match="no priority 'Urgente'"):
        fake.set_priority(issue, "Urgente")
    client = fake.add_person("Claire Client", "claire@client.example")
    fake.set_priority(issue, None, at=T0, by=client)  # the client clears it
    last = fake.issues[int(issue)].histories[-1]
    assert last["author"] == client and last["items"][0]["fromString"] == "High"
    assert last["items"][0]["toString"] is None and fake.issues[int(issue)].priority is None


@pytest.mark.parametrize("broken", [{"id": "3"}, "High", {"name": ""}])
def test_an_unreadable_priority_is_one_skipped_issue(
        fake: FakeJira, make_connector: MakeConnector, broken: Any) -> None:
    bad = fake.create_ticket("Broken", fake.bot_id, at=T0)
    good = fake.create_ticket("Fine", fake.bot_id, at=T0)

    def corrupt(method: str, path: str, body: Any) -> Any:
        for issue in body.get("issues", []) if isinstance(body, dict) else []:
            if issue.get("id") == bad:
                issue["fields"]["priority"] = broken
        return body

    fake.rewrites.append(corrupt)
    bundles, _, pages = drain(make_connector().pull(None))
    skipped = [s for p in pages for s in p.skipped]
    assert [(s.remote_id, s.reason) for s in skipped] == [
        (bad, "issue priority unreadable (no name)")]
    assert set(bundles) == {good}


def test_describe_lists_the_priorities_without_server_info(
        fake: FakeJira, make_connector: MakeConnector) -> None:
    fake.add_priority("Bloquant")
    connector = make_connector()
    found = connector.describe()
    assert found.priorities == ("Highest", "High", "Medium", "Low", "Lowest", "Bloquant")
    assert found.custom_fields is None
    assert fake.requests_to("/serverInfo") == []  # myself told Cloud or Data Center
    assert connector.requests_made <= 6
    if fake.deployment == "cloud":
        [listing] = fake.requests_to("/priority/search")
        assert listing.query["projectId"] == [fake.project_id]
    else:
        assert [r.path for r in fake.requests_to("/priority")] == ["/rest/api/2/priority"]
    # what myself told is right: the pull afterwards uses the deployment's own search
    fake.create_ticket("One", fake.bot_id, at=T0)
    assert len(drain(connector.pull(None))[0]) == 1
    assert {r.path for r in searches(fake)} >= {
        "/rest/api/2/search/jql" if fake.deployment == "cloud" else "/rest/api/2/search"}
    assert fake.requests_to("/serverInfo") == []
