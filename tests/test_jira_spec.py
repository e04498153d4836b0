"""The requests our Jira connector sends, and the fake Jira's answers, checked against Atlassian's
OpenAPI document of the Cloud platform API (v3; v2 has the same operations with string bodies).

``/rest/api/2/...`` is mapped onto ``/rest/api/3/...``. Places where the document is stricter than
the live API are listed in ``KNOWN_SPEC_STRICTER`` and must keep matching: an unlisted error fails
the test, and so does a listed case that no longer happens (the list stays honest).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from datetime import timedelta
from functools import cache
from typing import Any

import pytest

from connectors.jira.connector import JiraConnector, JiraSettings
from connectors.testing import fast_policy
from connectors.testing.contract import T0, drain
from connectors.testing.fakes.base import LoggedRequest
from connectors.testing.fakes.jira import (
    EMBEDDED_COMMENTS,
    EMBEDDED_HISTORIES,
    FakeJira,
    settings_for,
)
from tests.shared_trackers import SHARED_TRACKERS

SPEC = SHARED_TRACKERS / "specs" / "jira-platform-swagger-v3.v3.json"
HOST = "https://your-domain.atlassian.net"

#: (deployments, methods, path regex, "request"|"response", message regex, why): schema messages
#: the document gives for things the live API really sends or accepts.
KNOWN_SPEC_STRICTER: list[tuple[str, str, str, str, str, str]] = [
    ("cloud|datacenter", "GET|POST", r".", "response",
     r"^'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}' is not a 'date-time'$",
     "Jira writes offsets as +0100, which RFC 3339 date-time (with +01:00) rejects"),
    ("cloud|datacenter", "GET", r"/serverInfo$", "response",
     r"^Additional properties are not allowed \('defaultLocale' was unexpected\)$",
     "the live serverInfo carries defaultLocale; the document's ServerInformation lacks it"),
    ("cloud", "GET", r"(/issue/[^/]+/changelog|/search/jql)$", "response",
     r"^(None for not nullable|None is not of type 'string')$",
     "changelog items have from/to null for label or summary changes, and from/fromString "
     "null when a priority is first set (so does the document's own example); the search "
     "embeds the same items"),
    ("datacenter", "GET", r"(/search|/issue/[^/]+)$", "response",
     r"^(None for not nullable|None is not of type 'string')$",
     "the same null from/to, in the changelog the legacy search and the issue resource embed"),
    ("datacenter", "GET", r"/search$", "request",
     r"^'True' is not one of \['strict', 'warn', 'none', 'true', 'false'\]$",
     "jira sends validateQuery=True (a Python bool); Data Center accepts it, the Cloud document "
     "lists lower-case values only"),
]
#: Not errors, recorded for the reader: v2 comment bodies are strings where v3 documents ADF; the
#: document leaves ``Comment.body`` untyped, so both validate (request and response).


@cache
def _openapi() -> Any:
    from openapi_core import Config, OpenAPI  # heavy import: only when the spec is there

    with SPEC.open() as fh:
        document = json.load(fh)
    return OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))


@pytest.fixture(scope="module")
def openapi() -> Any:
    if not SPEC.is_file():
        pytest.skip(f"the Jira OpenAPI document is not at {SPEC} (clone shared/ next to the repo)")
    return _openapi()


@pytest.fixture(params=["cloud", "datacenter"])
def fake(request: pytest.FixtureRequest) -> Iterator[FakeJira]:
    with FakeJira(request.param) as server:
        assert isinstance(server, FakeJira)
        yield server


def _exchange(entry: LoggedRequest) -> tuple[Any, Any]:
    from openapi_core.testing import MockRequest, MockResponse

    path = entry.path.replace("/rest/api/2/", "/rest/api/3/", 1)
    headers = {k.lower(): v for k, v in entry.headers.items()}
    request = MockRequest(HOST, entry.method.lower(), path, args=entry.query or None,
                          headers=headers, data=entry.body or None,
                          content_type=headers.get("content-type", "application/json"))
    response = MockResponse(entry.response_body, status_code=entry.status,
                            headers=entry.response_headers,
                            content_type="application/json")
    return request, response


def _messages(result: Any) -> list[str]:
    """Each schema violation of a validation result, as one message."""
    out: list[str] = []
    for error in result.errors:
        found: list[str] = []
        cause = error.__cause__
        while cause is not None:
            found.extend(str(e.message) for e in getattr(cause, "schema_errors", ()) or ())
            cause = cause.__cause__
        out.extend(found or [f"{error.__class__.__name__}: {error}"[:300]])
    return out


def _scenario(fake: FakeJira) -> None:
    """Every call the connector makes: full pull with truncated lists, incremental, listing,
    post, find, whoami, describe."""
    client = fake.add_person("Claire Client", "claire@client.example")
    busy = fake.create_ticket("Busy", client, labels=("round-1",), at=T0)
    fake.set_labels(busy, ("round-1", "urgent"), at=T0 + timedelta(seconds=1))
    for i in range(EMBEDDED_COMMENTS + 2):
        fake.add_comment(busy, f"c{i}", client, at=T0 + timedelta(seconds=i))
        fake.log_time(busy, 600, client, at=T0 + timedelta(seconds=i))
    for i in range(EMBEDDED_HISTORIES + 1):
        fake.move(busy, ("In Progress", "To Do")[i % 2], client,
                  at=T0 + timedelta(minutes=1, seconds=i))
    fake.set_priority(busy, "High", at=T0 + timedelta(minutes=3))
    quiet = fake.create_ticket("Quiet", client, at=T0)
    connector = JiraConnector(JiraSettings.model_validate(settings_for(fake)),
                              {"token": fake.token}, policy=fast_policy())
    pulled, cursor, _ = drain(connector.pull(None))
    assert (pulled[busy].ticket.priority, pulled[quiet].ticket.priority) == ("High", None)
    fake.move(quiet, "Done", client, at=T0 + timedelta(hours=1))
    drain(connector.pull(cursor))
    connector.list_ids()
    connector.post_comment(quiet, "Received rb-0123456789")
    assert connector.find_comment(quiet, "rb-0123456789")
    connector.whoami()
    fake.add_status("Recette client", "indeterminate")
    fake.add_priority("Bloquant")
    found = JiraConnector(JiraSettings.model_validate(settings_for(fake)),
                          {"token": fake.token}, policy=fast_policy()).describe()
    assert "Recette client" in [s.name for s in found.statuses]
    assert found.priorities is not None and found.priorities[-1] == "Bloquant"


def test_connector_requests_and_fake_answers_match_the_spec(openapi: Any,
                                                            fake: FakeJira) -> None:
    _scenario(fake)
    seen_paths = {(r.method, r.path.rsplit("/", 1)[-1]) for r in fake.log}
    assert {("GET", "worklog"), ("POST", "comment"), ("GET", "comment"), ("GET", "serverInfo"),
            ("GET", "myself")} <= seen_paths
    assert {("GET", "statuses"), ("GET", "search")} <= seen_paths | {("GET", "search")}
    assert any(r.path.endswith("/user/assignable/search") for r in fake.log)
    assert any(r.path.endswith("/priority/search" if fake.deployment == "cloud" else
                               "/priority") for r in fake.log)
    if fake.deployment == "cloud":
        assert {("GET", "jql"), ("GET", "changelog"), ("GET", "search")} <= seen_paths
    else:
        assert {("GET", "search"), ("GET", "project")} <= seen_paths
    unexpected: list[str] = []
    known_hit: set[int] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Unsupported scheme type" (OAuth2)
        for entry in fake.log:
            request, response = _exchange(entry)
            for side, result in (("request", openapi.unmarshal_request(request)),
                                 ("response", openapi.unmarshal_response(request, response))):
                for message in _messages(result):
                    hits = [i for i, (modes, methods, path, where, pattern, _why)
                            in enumerate(KNOWN_SPEC_STRICTER)
                            if fake.deployment in modes.split("|")
                            and entry.method in methods.split("|") and re.search(path, entry.path)
                            and where == side and re.search(pattern, message)]
                    known_hit.update(hits)
                    if not hits:
                        unexpected.append(f"{entry.method} {entry.path} {side}: {message}")
    assert unexpected == [], "\n".join(unexpected)
    expected = {i for i, known in enumerate(KNOWN_SPEC_STRICTER)
                if fake.deployment in known[0].split("|")}
    assert known_hit == expected, "a known case no longer happens: drop it from the list"


def test_a_request_outside_the_spec_is_caught(openapi: Any) -> None:
    """The check can fail: a search with a non-numeric maxResults breaks the spec."""
    from openapi_core.testing import MockRequest

    request = MockRequest(HOST, "get", "/rest/api/3/search/jql",
                          args={"jql": "project = WEB", "maxResults": "lots"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert _messages(openapi.unmarshal_request(request))
