"""HTTP helpers shared by the connectors: retry policy, Retry-After parsing, pacing, counting.

Jira and py-trello talk through ``requests``; both get a :class:`RetryingAdapter` mounted on
their session, so retries, pacing and request counting happen in one place. Asana's SDK talks
urllib3; its connector uses :class:`RetryPolicy` and :func:`retry_delay` with its own loop.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from connectors.budgets import LIMITERS, CredentialLimiter, Limiter
from connectors.errors import RemoteRetriableError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
log = logging.getLogger(__name__)

_CAUSES = (  # what a chain of requests / urllib3 / socket errors says, most specific first
    (("SSLError", "CERTIFICATE_VERIFY", "SSLCertVerification"),
     "the TLS handshake failed (a certificate or a proxy in the way?)"),
    (("NameResolutionError", "Name or service not known", "getaddrinfo failed",
      "nodename nor servname", "Temporary failure in name resolution", "No address associated"),
     "the host name does not resolve"),
    (("Connection refused", "ConnectionRefusedError"), "the connection was refused"),
    (("Timeout", "timed out"), "it did not answer in time (timeout)"),
    (("Connection reset", "RemoteDisconnected", "ConnectionResetError", "Connection aborted"),
     "the connection was cut"),
)


def network_cause(error: BaseException) -> str:
    """Why a tracker could not be reached, in words: refused, DNS, TLS, timeout, cut."""
    text = repr(error)
    for needles, cause in _CAUSES:
        if any(needle in text for needle in needles):
            return cause
    return f"a network error ({error.__class__.__name__})"


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: never its path or query (Trello puts the token
    in the query)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.netloc else "?"


def unreachable(tracker: str, where: str, cause: str, attempts: int) -> str:
    """The message for a tracker that could not be reached, naming the fix."""
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    return (f"{tracker}: cannot reach {where}: {cause}{tries}; check the [tracker] url of the "
            f"client file, this machine's network and proxy, and whether {tracker} is up")


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often a connector retries before giving up with RemoteRetriableError."""

    max_attempts: int = 6
    max_total_wait: float = 120.0  # seconds spent sleeping across all retries of one request
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    timeout: float = 30.0  # per request (connect and read)
    #: seconds one request may take as a whole, its answer read to the end (``None``: four
    #: times ``timeout``): a server trickling bytes never hangs a sync
    deadline: float | None = None
    #: requests per window per token, enforced client side (``None``: no pacing)
    rate_limit: tuple[int, float] | None = None
    #: requests per window per application key (Trello's API key), shared like the token's
    key_rate_limit: tuple[int, float] | None = None
    #: least wait after a 429 that names no Retry-After (Trello sends none; ~10 s there)
    rate_limited_wait: float = 0.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    @property
    def request_deadline(self) -> float:
        return self.deadline if self.deadline is not None else 4 * self.timeout

    def backoff(self, attempt: int) -> float:
        """Capped exponential backoff with jitter for attempt ``attempt`` (0-based)."""
        raw = min(self.backoff_cap, self.backoff_base * (2**attempt))
        return float(raw * (0.5 + random.random() / 2))


def parse_retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) or ``X-RateLimit-Reset``."""
    now = now or datetime.now(UTC)
    lowered = {k.lower(): v for k, v in headers.items()}
    value = lowered.get("retry-after")
    if value is not None:
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, (when - now).total_seconds())
    reset = lowered.get("x-ratelimit-reset")
    if reset is not None:
        try:
            when = datetime.fromisoformat(reset.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - now).total_seconds())
    return None


def retry_delay(policy: RetryPolicy, attempt: int, headers: Mapping[str, str],
                status: int | None = None) -> float:
    """The wait before retry ``attempt``: the server's word if it gave one, else backoff.

    A 429 without any wait hint waits at least ``policy.rate_limited_wait``.
    """
    told = parse_retry_after(headers)
    if told is not None:
        return told
    wait = policy.backoff(attempt)
    if status == 429:
        wait = max(wait, policy.rate_limited_wait)
    return wait


class RequestMeter:
    """Counts HTTP attempts and paces them through the credential's shared limiters.

    ``limiters`` come from :data:`connectors.budgets.LIMITERS` (one per credential the
    requests spend: the token, and Trello's API key); without them a policy's ``rate_limit``
    paces this meter alone.
    """

    def __init__(self, policy: RetryPolicy,
                 limiters: Sequence[Limiter] | None = None) -> None:
        self.count = 0
        self._sleep = policy.sleep
        if limiters is None:
            limiters = [CredentialLimiter(policy.rate_limit)] if policy.rate_limit else []
        self.limiters: list[Limiter] = list(limiters)
        self._own_holds = [0.0] * len(self.limiters)

    def attempt(self) -> None:
        for limiter, own in zip(self.limiters, self._own_holds, strict=True):
            limiter.acquire(self._sleep, waited_until=own)
        self.count += 1

    def hold(self, seconds: float) -> None:
        """The tracker answered 429: every connector on these credentials waits ``seconds``.

        This meter's own request sleeps its retry delay itself (the caller does that).
        """
        self._own_holds = [limiter.hold(seconds) for limiter in self.limiters]


def shared_limiters(policy: RetryPolicy, tracker: str, base_url: str, token: str,
                    key: str | None = None) -> list[Limiter]:
    """The process's limiters for ``token`` (and the application ``key``) on ``base_url``."""
    found = [LIMITERS.limiter(tracker, base_url, "token", token, policy.rate_limit)]
    if key is not None:
        found.append(LIMITERS.limiter(tracker, base_url, "key", key, policy.key_rate_limit))
    return found


class RetryingAdapter(HTTPAdapter):
    """Counts, paces and retries requests sent through a ``requests`` session.

    GET/HEAD/PUT/DELETE are retried on 429, 5xx, timeouts and resets. A POST is retried only on
    429 and on failures to connect, where the tracker provably did not process it; any other
    failure of a POST is raised so the caller can check before posting again.
    """

    def __init__(self, policy: RetryPolicy, tracker: str,
                 limiters: Sequence[Limiter] | None = None) -> None:
        super().__init__(max_retries=0)
        self.policy = policy
        self.tracker = tracker
        self.meter = RequestMeter(policy, limiters)

    @property
    def requests_made(self) -> int:
        return self.meter.count

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs["timeout"] = kwargs.get("timeout") or self.policy.timeout
        idempotent = request.method not in ("POST", "PATCH")
        waited = 0.0
        attempt = 0
        while True:
            self.meter.attempt()
            failure: str
            status: int | None = None
            headers: Mapping[str, str] = {}
            last_response: requests.Response | None = None
            network_error: BaseException | None = None
            try:
                response = self._send_within_deadline(request, *args, **kwargs)
            except requests.exceptions.ConnectTimeout as exc:
                failure, network_error = "connect timeout", exc
            except requests.exceptions.ConnectionError as exc:
                if not idempotent and not _failed_before_sending(exc):
                    raise RemoteRetriableError(
                        f"{self.tracker}: connection lost during {request.method}; not resent",
                        tracker=self.tracker) from None
                failure, network_error = network_cause(exc), exc
            except requests.exceptions.Timeout:
                if not idempotent:
                    raise RemoteRetriableError(
                        f"{self.tracker}: timeout during {request.method}; not resent",
                        tracker=self.tracker, in_flight=True) from None
                failure = "it did not answer in time (read timeout)"
            else:
                status = response.status_code
                retriable = status == 429 or (idempotent and status in RETRY_STATUSES)
                if not retriable:
                    return response
                failure = f"HTTP {status}"
                headers = response.headers
                last_response = response
            attempt += 1
            delay = retry_delay(self.policy, attempt - 1, headers, status)
            if status == 429:
                self.meter.hold(delay)
            if attempt >= self.policy.max_attempts or waited + delay > self.policy.max_total_wait:
                if last_response is not None:
                    return last_response  # the library raises its own error; the connector maps it
                where = origin(request.url or "")
                cause = network_cause(network_error) if network_error else failure
                raise RemoteRetriableError(unreachable(self.tracker, where, cause, attempt),
                                           tracker=self.tracker)
            log.info("%s: %s %s: %s; retrying (%d/%d) in %.0f s", self.tracker, request.method,
                     origin(request.url or ""), failure, attempt + 1, self.policy.max_attempts,
                     delay, extra={"event": "retry"})
            waited += delay
            self.policy.sleep(delay)

    def _send_within_deadline(self, request: requests.PreparedRequest, *args: Any,
                              **kwargs: Any) -> requests.Response:
        """Send and read the whole answer before ``policy.request_deadline`` (else ReadTimeout)."""
        deadline = time.monotonic() + self.policy.request_deadline
        kwargs["stream"] = True
        response = super().send(request, *args, **kwargs)
        try:
            body = read_before(response.raw, deadline)
        except DeadlinePassed:
            response.close()
            raise requests.exceptions.ReadTimeout(
                f"the answer took more than {self.policy.request_deadline:g} s") from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            # the request reached the tracker and the answer broke off: like a read timeout,
            # retried when idempotent, in doubt for a POST
            response.close()
            raise requests.exceptions.ReadTimeout(
                f"the answer broke off ({type(exc).__name__})") from None
        response._content = body
        response._content_consumed = True  # type: ignore[attr-defined]
        return response


class DeadlinePassed(Exception):
    """An answer was still arriving at its request's deadline."""


def read_before(raw: Any, deadline: float) -> bytes:
    """The whole body of a urllib3 response (decoded as it is sent), read piece by piece as
    it arrives; :class:`DeadlinePassed` when it is not all there by ``deadline``."""
    chunks: list[bytes] = []
    while True:
        if time.monotonic() > deadline:
            raise DeadlinePassed
        chunk = raw.read1(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _failed_before_sending(exc: requests.exceptions.ConnectionError) -> bool:
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text


def mount_retrying(session: requests.Session, policy: RetryPolicy, tracker: str,
                   limiters: Sequence[Limiter] | None = None) -> RetryingAdapter:
    """Mount a :class:`RetryingAdapter` for http and https on ``session`` and return it."""
    adapter = RetryingAdapter(policy, tracker, limiters)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return adapter
