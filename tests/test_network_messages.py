"""A tracker that cannot be reached: the error names the URL, the cause and the fix."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import connectors
from connectors.errors import RemoteRetriableError
from connectors.http import RetryPolicy

POLICY = RetryPolicy(max_attempts=3, max_total_wait=5.0, backoff_base=0.0, backoff_cap=0.0,
                     timeout=2.0, sleep=lambda _s: None)


def table(tracker: str, base: str) -> dict[str, Any]:
    if tracker == "jira":
        return {"type": "jira", "url": base, "project": "WEB", "email": "me@example.com",
                "token": "env:T"}
    if tracker == "trello":
        return {"type": "trello", "board": "b1", "api_key": "k", "token": "env:T",
                "api_url": base + "/1"}
    return {"type": "asana", "project": "123", "token": "env:T", "api_url": base + "/api/1.0"}


def whoami_error(tracker: str, base: str) -> str:
    cls = connectors.get(tracker)
    connector = cls(cls.Settings.model_validate(table(tracker, base)),  # type: ignore[call-arg]
                    {"token": "s3cret-token"}, POLICY)
    with pytest.raises(RemoteRetriableError) as caught:
        connector.whoami()
    return str(caught.value)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again: connecting is refused


@pytest.mark.parametrize("tracker", ["jira", "trello", "asana"])
def test_refused_connection_names_url_cause_and_fix(tracker: str, closed_port: int) -> None:
    message = whoami_error(tracker, f"http://127.0.0.1:{closed_port}")
    assert f"{tracker}: cannot reach http://127.0.0.1:{closed_port}: the connection was refused"\
        in message
    assert "check the [tracker] url of the client file" in message
    assert "s3cret-token" not in message


def test_a_name_that_does_not_resolve_says_so() -> None:
    message = whoami_error("jira", "http://no-such-tracker.invalid")
    assert "jira: cannot reach http://no-such-tracker.invalid: the host name does not resolve" \
        in message


@pytest.fixture
def plain_http_port() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            conn.close()

    threading.Thread(target=answer, daemon=True).start()
    yield int(server.getsockname()[1])
    server.close()


def test_tls_to_a_plain_server_says_tls(plain_http_port: int) -> None:
    message = whoami_error("jira", f"https://127.0.0.1:{plain_http_port}")
    assert f"cannot reach https://127.0.0.1:{plain_http_port}: the TLS handshake failed" in message


def test_each_retry_is_logged_with_its_count(closed_port: int,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="connectors.http")
    whoami_error("jira", f"http://127.0.0.1:{closed_port}")
    retries = [r.getMessage() for r in caplog.records if getattr(r, "event", "") == "retry"]
    assert [m.split("retrying ")[1].split(")")[0] for m in retries] == ["(2/3", "(3/3"]
    assert retries[0].startswith(f"jira: GET http://127.0.0.1:{closed_port}: the connection "
                                 "was refused; retrying (2/3)")
