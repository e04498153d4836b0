"""The Asana SDK's HTTP layer made ours: retries from :class:`RetryPolicy`, counting, errors.

The SDK (swagger-generated, urllib3 underneath) retries through ``Configuration.retry_strategy``,
a urllib3 ``Retry``. :class:`PolicyRetry` replaces it: GET/PUT/DELETE are retried on 429, 5xx,
timeouts and resets, waiting what ``Retry-After`` says (seconds or HTTP date) within the policy's
total wait; a POST is retried only on 429 and on failures to connect, so a comment is never
posted twice. Every attempt is counted in a :class:`RequestMeter`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import asana
from asana.rest import ApiException, RESTClientObject
from urllib3.exceptions import HTTPError, MaxRetryError, ReadTimeoutError, ResponseError
from urllib3.util.retry import Retry

from connectors.asana.settings import DEFAULT_API_URL as DEFAULT_API_URL
from connectors.errors import (
    AnswerTooDeep,
    RemoteError,
    RemoteRetriableError,
    error_for_status,
)
from connectors.http import (
    RETRY_STATUSES,
    DeadlinePassed,
    RequestMeter,
    RetryPolicy,
    network_cause,
    read_before,
    retry_delay,
    shared_limiters,
    unreachable,
)

log = logging.getLogger(__name__)
TRACKER = "asana"


class PolicyRetry(Retry):
    """A urllib3 ``Retry`` driven by a :class:`RetryPolicy` (see the module docstring)."""

    policy: RetryPolicy
    meter: RequestMeter
    waited: float
    next_delay: float

    @classmethod
    def build(cls, policy: RetryPolicy, meter: RequestMeter) -> PolicyRetry:
        retry = cls(total=max(0, policy.max_attempts - 1), other=0,
                    status_forcelist=RETRY_STATUSES, raise_on_status=False,
                    respect_retry_after_header=True)
        retry.policy, retry.meter, retry.waited, retry.next_delay = policy, meter, 0.0, 0.0
        return retry

    def new(self, **kw: Any) -> PolicyRetry:
        clone = super().new(**kw)
        clone.policy, clone.meter = self.policy, self.meter
        clone.waited, clone.next_delay = self.waited, self.next_delay
        return clone

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() in ("POST", "PATCH"):
            return status_code == 429  # refused before processing: safe to send again
        return status_code in RETRY_STATUSES

    def increment(self, method: str | None = None, url: str | None = None,
                  response: Any = None, error: Exception | None = None, _pool: Any = None,
                  _stacktrace: Any = None) -> PolicyRetry:
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        assert isinstance(new, PolicyRetry)
        headers = response.headers if response is not None else {}
        delay = retry_delay(self.policy, len(new.history) - 1, headers)
        if response is not None and getattr(response, "status", None) == 429:
            self.meter.hold(delay)  # every connector on this token waits, not just this one
        if self.waited + delay > self.policy.max_total_wait:
            reason = error or ResponseError(f"waiting {delay:.0f}s exceeds the retry budget")
            raise MaxRetryError(_pool, url or "", reason) from reason
        new.waited, new.next_delay = self.waited + delay, delay
        cause = network_cause(error) if error else f"HTTP {getattr(response, 'status', '?')}"
        log.info("asana: %s %s: %s; retrying (%d/%d) in %.0f s", method, url, cause,
                 len(new.history) + 1, self.policy.max_attempts, delay,
                 extra={"event": "retry"})
        return new

    def sleep(self, response: Any = None) -> None:
        # urllib3 calls this once before every retry, whatever its cause.
        if self.next_delay > 0:
            self.policy.sleep(self.next_delay)
        self.meter.attempt()

    def sleep_for_retry(self, response: Any) -> bool:
        self.sleep(response)
        return True


class CountingRestClient(RESTClientObject):  # type: ignore[misc]
    """The SDK's REST client with a per-request timeout from the policy and attempt counting."""

    def __init__(self, configuration: Any, policy: RetryPolicy, meter: RequestMeter) -> None:
        super().__init__(configuration)
        self._timeout = (policy.timeout, policy.timeout)
        self._meter = meter
        self.pool_manager = DeadlinePool(self.pool_manager,  # type: ignore[has-type]
                                         policy.request_deadline)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("_request_timeout"):
            kwargs["_request_timeout"] = self._timeout
        self._meter.attempt()
        return super().request(method, url, *args, **kwargs)


class DeadlinePool:
    """The SDK's urllib3 pool, each answer read to the end within ``deadline`` seconds of its
    headers (a server trickling bytes gets a ``ReadTimeoutError``, not a hung sync)."""

    def __init__(self, pool: Any, deadline: float) -> None:
        self._pool, self._deadline = pool, deadline

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        preload = kwargs.pop("preload_content", True)
        response = self._pool.request(method, url, *args, preload_content=False, **kwargs)
        if not preload:
            return response
        try:
            response._body = read_before(response, time.monotonic() + self._deadline)
        except DeadlinePassed:
            response.close()
            raise ReadTimeoutError(None, url,  # type: ignore[arg-type]
                                   f"the answer took more than {self._deadline:g} s") from None
        finally:
            response.release_conn()
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


def build_client(api_url: str, token: str, policy: RetryPolicy) -> tuple[Any, RequestMeter]:
    """An ``asana.ApiClient`` on ``api_url`` with our retry strategy, timeouts and meter."""
    meter = RequestMeter(policy, shared_limiters(policy, TRACKER, api_url, token))
    cfg = asana.Configuration()
    cfg.host = api_url.rstrip("/")
    cfg.access_token = token
    cfg.retry_strategy = PolicyRetry.build(policy, meter)
    client = asana.ApiClient(cfg)
    client.rest_client = CountingRestClient(cfg, policy, meter)
    return client, meter


def _asana_message(body: Any) -> str:
    try:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
        errors = json.loads(text).get("errors") or []
        return "; ".join(str(e.get("message", "")) for e in errors)[:300]
    except (ValueError, AttributeError, TypeError):
        return ""


def translate(exc: Exception, what: str, token: str) -> RemoteError:
    """Our error for an SDK / urllib3 failure of ``what`` (never with the token in it)."""
    if isinstance(exc, ApiException):
        status = exc.status or 0
        detail = _asana_message(exc.body)
        message = f"asana: {what} failed with HTTP {status}" + (f": {detail}" if detail else "")
        error = error_for_status(message, tracker=TRACKER, status=status)
    elif isinstance(exc, MaxRetryError):
        pool = exc.pool
        where = (f"{getattr(pool, 'scheme', 'https')}://{getattr(pool, 'host', '?')}"
                 + (f":{pool.port}" if getattr(pool, "port", None) else ""))
        error = RemoteRetriableError(
            unreachable(TRACKER, where, network_cause(exc.reason or exc), 1) + f" ({what})",
            tracker=TRACKER, in_flight=isinstance(exc.reason, ReadTimeoutError))
    elif isinstance(exc, HTTPError | OSError):
        error = RemoteRetriableError(
            f"asana: {what} failed: {exc.__class__.__name__} (not resent)", tracker=TRACKER,
            in_flight=isinstance(exc, ReadTimeoutError))
    else:
        error = RemoteRetriableError(
            f"asana: {what}: unreadable answer ({exc.__class__.__name__})", tracker=TRACKER)
    if token and token in str(error):
        error.args = (str(error).replace(token, "***"),)
    return error


def call(fn: Callable[[], Any], what: str, token: str) -> dict[str, Any]:
    """Run one SDK call (``full_payload=True``) and return its JSON object, errors mapped."""
    try:
        result = fn()
    except (ApiException, HTTPError, OSError, ValueError, TypeError, KeyError) as exc:
        raise translate(exc, what, token) from None
    except RecursionError:
        raise AnswerTooDeep(f"asana: {what}: an answer nested too deeply to read",
                            tracker=TRACKER) from None
    if not isinstance(result, dict) or "data" not in result:
        raise RemoteRetriableError(f"asana: {what}: malformed or truncated JSON answer",
                                   tracker=TRACKER)
    return result


def shape_error(what: str) -> RemoteRetriableError:
    """Valid JSON of the wrong shape (a proxy page, a truncated rewrite...)."""
    return RemoteRetriableError(f"asana: {what}: unexpected answer shape", tracker=TRACKER)
