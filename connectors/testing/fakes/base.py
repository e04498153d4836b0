"""The HTTP plumbing every fake tracker shares: a threaded server, a request log, faults.

A fake subclasses :class:`FakeServer`, registers routes with :meth:`FakeServer.route` and keeps
its state in plain Python objects under ``self.lock``. Tests and the demo drive it through the
:class:`FakeTracker` methods (create tickets, move them, comment, log time, inject faults).
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs, urlsplit

from connectors.testing.fakes import hostile

FaultKind = Literal[
    "429", "429-date", "500", "503", "timeout", "reset", "malformed", "truncated",
    "slow-after-commit",
    # hostile answers: ``looping-page`` serves the first matching answer again and again with a
    # next page named in it (the same token, offset or ``before`` id each time); ``slow-drip``
    # sends the answer one byte every ``delay`` seconds; ``foreign`` puts a record of another
    # project / board in the answer (see :meth:`FakeServer.looped`, :meth:`FakeServer.foreign`);
    # ``deeply-nested`` nests one record's rich field 100,000 deep in every answer that holds
    # it (``hostile.nested``: what a full read asks for, not a listing of ids)
    "looping-page", "slow-drip", "foreign", "deeply-nested",
]


@dataclass
class Fault:
    """A fault served instead of (or, for ``slow-after-commit``, after) the normal answer."""

    kind: FaultKind
    times: int = 1
    method: str | None = None  # only requests with this method
    path_contains: str | None = None  # only paths containing this
    retry_after: float = 1.0
    delay: float = 1.5  # seconds, for timeout / slow-after-commit
    skip: int = 0  # let this many matching requests through first (a fault mid-sync)
    #: ``looping-page``: the answer served again to every later matching request
    replay: Any = field(default=None, compare=False, repr=False)
    #: ``deeply-nested``: the record nested (else the first one served becomes it)
    victim: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path_contains is None or self.path_contains in path


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int = 0
    response_body: bytes = b""
    response_headers: dict[str, str] = field(default_factory=dict)
    #: when the request arrived (``time.monotonic()``): benches count requests per window
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str]  # named groups of the route pattern

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name: str) -> list[str]:
        return self.query.get(name, [])

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-serialisable, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


Handler = Callable[[Request], Response]
#: rewrites the decoded JSON of a successful answer: ``rewrite(method, path, body) -> body``
Rewrite = Callable[[str, str, Any], Any]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hung up (timeouts, resets under test) is not news; anything else is
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 with routes, a request log and injectable faults."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.log: list[LoggedRequest] = []
        self.faults: list[Fault] = []
        #: applied in order to every 2xx JSON answer (tests corrupting what the fake serves)
        self.rewrites: list[Rewrite] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- routes and lifecycle -------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` and a path regex (named groups → params)."""
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeServer:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                fake._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self._server = _QuietServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults ---------------------------------------------------------------------------
    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.matches(method, path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def requests_to(
        self, path_contains: str = "", method: str | None = None
    ) -> list[LoggedRequest]:
        """Logged requests whose path contains ``path_contains`` (and method, if given)."""
        with self.lock:
            return [r for r in self.log
                    if path_contains in r.path and (method is None or r.method == method)]

    # -- serving --------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        split = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        headers = {k: v for k, v in h.headers.items()}
        query = parse_qs(split.query, keep_blank_values=True)
        entry = LoggedRequest(h.command, split.path, query, headers, body)
        with self.lock:
            self.log.append(entry)
        fault = self._take_fault(h.command, split.path)
        if fault is not None and fault.kind == "reset":
            h.close_connection = True
            h.connection.close()
            return
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.delay)
        response = self._fault_response(fault) if fault is not None else None
        if response is None:
            response = self._dispatch(h.command, split.path, query, headers, body)
            if self.rewrites and 200 <= response.status < 300:
                response = self._rewritten(h.command, split.path, response)
            if fault is not None and fault.kind in ("looping-page", "foreign", "deeply-nested"):
                response = hostile.answer(self, fault, split.path, response)
        if fault is not None and fault.kind == "slow-after-commit":
            time.sleep(fault.delay)
        payload = response.encoded()
        if fault is not None and fault.kind == "truncated":
            payload = payload[: max(1, len(payload) // 2)]
        entry.status, entry.response_body = response.status, payload
        entry.response_headers = dict(response.headers)
        try:
            h.send_response(response.status)
            for name, value in response.headers.items():
                h.send_header(name, value)
            if payload and "Content-Type" not in response.headers:
                h.send_header("Content-Type", "application/json; charset=utf-8")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            if payload and fault is not None and fault.kind == "slow-drip":
                for n in range(len(payload)):
                    h.wfile.write(payload[n:n + 1])
                    h.wfile.flush()
                    time.sleep(fault.delay)
            elif payload:
                h.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def looped(self, path: str, body: Any) -> Any:
        """``body`` (a listing's page) naming a next page: each fake says how."""
        return body

    def foreign(self, path: str, body: Any) -> Any:
        """``body`` with one record moved to another project / board: each fake says how."""
        return body

    def nested(self, path: str, body: Any, fault: Fault) -> Any:
        """``body`` with ``fault.victim``'s rich field marked ``hostile.NESTED_MARK``."""
        return hostile.nested(body, fault)

    def _rewritten(self, method: str, path: str, response: Response) -> Response:
        body = response.body
        if isinstance(body, bytes):
            try:
                body = json.loads(body)
            except ValueError:
                return response
        for rewrite in list(self.rewrites):
            body = rewrite(method, path, body)
        return Response(response.status, body, dict(response.headers))

    def _fault_response(self, fault: Fault) -> Response | None:
        if fault.kind == "429":
            return Response(429, {"errorMessages": ["Rate limit exceeded."]},
                            {"Retry-After": str(int(fault.retry_after))})
        if fault.kind == "429-date":
            when = datetime.fromtimestamp(time.time() + fault.retry_after, UTC)
            return Response(429, {"errorMessages": ["Rate limit exceeded."]},
                            {"Retry-After": format_datetime(when, usegmt=True)})
        if fault.kind in ("500", "503"):
            return Response(int(fault.kind), {"errorMessages": ["Internal server error"]})
        if fault.kind == "malformed":
            return Response(200, b'{"issues": [ {"id": ', {"Content-Type": "application/json"})
        return None

    def _dispatch(self, method: str, path: str, query: dict[str, list[str]],
                  headers: dict[str, str], body: bytes) -> Response:
        for route_method, pattern, handler in self._routes:
            if route_method != method:
                continue
            match = pattern.match(path)
            if match:
                request = Request(method, path, query, headers, body, match.groupdict())
                try:
                    return handler(request)
                except Exception as exc:  # a fake bug must show, not hang the client
                    return Response(500, {"error": f"fake error: {exc!r}"})
        return Response(404, {"errorMessages": [f"no route for {method} {path}"]})


class FakeTracker(Protocol):
    """How tests and the demo drive a fake tracker, whatever the tracker.

    Status names are the fake's own (Jira statuses, Trello lists, Asana sections); every fake
    knows at least ``STATUSES`` below. ``at`` defaults to now; ids returned are the tracker's.
    """

    log: list[LoggedRequest]
    #: the API token the fake accepts (the connector gets it through a credential reference)
    token: str

    def start(self) -> FakeServer: ...
    def stop(self) -> None: ...
    def inject(self, fault: Fault) -> None: ...
    def clear_faults(self) -> None: ...
    def requests_to(self, path_contains: str = "",
                    method: str | None = None) -> list[LoggedRequest]: ...

    @property
    def base_url(self) -> str:
        """What the connector's ``url`` / ``api_url`` setting must be."""
        ...

    @property
    def bot_id(self) -> str:
        """Remote id of the account the API token belongs to."""
        ...

    def add_person(self, name: str, email: str | None = None) -> str: ...
    def create_ticket(self, title: str, by: str, *, labels: tuple[str, ...] = (),
                      status: str = "To Do", at: datetime | None = None) -> str: ...
    def move(self, ticket_id: str, to_status: str, by: str, at: datetime | None = None) -> None: ...
    def add_comment(self, ticket_id: str, body: str, by: str,
                    at: datetime | None = None) -> str: ...
    def log_time(self, ticket_id: str, seconds: int, by: str,
                 at: datetime | None = None) -> str: ...
    def set_labels(self, ticket_id: str, labels: tuple[str, ...],
                   at: datetime | None = None) -> None: ...
    def delete_ticket(self, ticket_id: str) -> None: ...

    @property
    def priorities(self) -> tuple[str, ...]:
        """The priority names a ticket can be given (Jira's priorities, Asana's Priority
        options, the Trello labels that are priorities)."""
        ...

    def set_priority(self, ticket_id: str, name: str | None,
                     at: datetime | None = None) -> None:
        """Give the ticket priority ``name`` (one of ``priorities``), or none, the tracker's
        way: Jira's priority field, Asana's Priority enum field, a Trello priority label."""
        ...

    def corrupt_ticket(self, ticket_id: str) -> None:
        """Make the ticket's representation invalid (e.g. a required field null)."""
        ...
    def comment_bodies(self, ticket_id: str) -> list[tuple[str, str]]:
        """(comment id, text) of every comment on the ticket, oldest first."""
        ...
    def tracker_table(self, token: str, **overrides: Any) -> dict[str, Any]:
        """The ``[tracker]`` table of a client file whose tracker is this fake, its token read
        through the credential reference ``token``; ``overrides`` replace or add keys. It maps
        every name of ``STATUSES`` to a state."""
        ...
    def edit_comment(self, comment_id: str, text: str, by: str | None = None,
                     at: datetime | None = None) -> Any:
        """Replace a comment's text, as a person (or the tracker) editing it does."""
        ...


#: Status names every fake understands (and the contract suite maps).
STATUSES = ("To Do", "In Progress", "In Review", "Done")


def iso(at: datetime) -> str:
    """Asana's and Trello's timestamp form: UTC with milliseconds and ``Z``."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
