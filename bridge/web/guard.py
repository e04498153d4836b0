"""The dashboard's safety: the access token, CSRF protection and the response headers.

* Bound to a loopback address without a token, only requests whose ``Host`` is a loopback
  name are answered (a web page elsewhere cannot reach the dashboard by DNS rebinding).
* With a token (``--token-file``), every request needs it: the ``rb_auth`` cookie set by the
  sign-in form, or an ``Authorization: Bearer`` header. The cookie holds an HMAC of the token,
  never the token itself.
* Every state change is a POST whose form carries ``csrf``, equal to the browser's ``rb_csrf``
  cookie (a random value, ``SameSite=Strict``); a POST whose ``Origin`` is another site is
  refused too.
* A Content-Security-Policy allows nothing but this server's own styles and forms.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
import stat
from pathlib import Path

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from connectors.errors import ConfigError

CSRF_COOKIE = "rb_csrf"
CSRF_FIELD = "csrf"
AUTH_COOKIE = "rb_auth"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class Refused(Exception):
    """A request the dashboard will not serve: ``status`` and what to do about it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP address (``127.0.0.1``, ``[::1]``); not a name that only
    starts like one (``127.example.org``)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def new_token(path: Path) -> None:
    """Write a new random token to ``path``, readable by its owner only (replacing any)."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(32) + "\n")
    os.replace(tmp, path)


def read_token(path: Path) -> str:
    """The token in ``path``; :class:`ConfigError` naming the fix when it cannot be used."""
    path = path.expanduser()
    try:
        info = path.stat()
        token = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"--token-file {path}: cannot be read ({exc}); make one with "
                           f"`revbridge web --new-token --token-file {path}`"]) from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError([f"--token-file {path}: other users can read it; run "
                           f"`chmod 600 {path}` (or make a new one with --new-token)"])
    if len(token) < 16:
        raise ConfigError([f"--token-file {path}: the token is too short (16 characters at "
                           f"least); make one with `revbridge web --new-token --token-file "
                           f"{path}`"])
    return token


class Guard:
    """Checks every request against the token, the host and the CSRF token."""

    def __init__(self, token: str | None, loopback_only: bool) -> None:
        self.token = token
        self.loopback_only = loopback_only and token is None
        self._key = secrets.token_bytes(32)

    # access ---------------------------------------------------------------------------------

    def auth_value(self) -> str:
        """What the ``rb_auth`` cookie holds once signed in."""
        assert self.token is not None
        return hmac.new(self.token.encode(), b"revbridge-web", hashlib.sha256).hexdigest()

    def token_matches(self, offered: str) -> bool:
        return self.token is not None and hmac.compare_digest(offered.strip().encode(),
                                                              self.token.encode())

    def signed_in(self, request: Request) -> bool:
        if self.token is None:
            return True
        bearer = request.headers.get("authorization", "")
        if bearer.lower().startswith("bearer ") and self.token_matches(bearer[7:]):
            return True
        cookie = request.cookies.get(AUTH_COOKIE, "")
        return hmac.compare_digest(cookie.encode(), self.auth_value().encode())

    def check_host(self, request: Request) -> None:
        if not self.loopback_only:
            return
        host = request.headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if not is_loopback(name):
            raise Refused(400, f"Host {host!r} is not this computer: open the dashboard at "
                               "http://127.0.0.1 (a token is needed to serve other hosts)")

    # CSRF -----------------------------------------------------------------------------------

    @staticmethod
    def csrf_token(request: Request) -> str:
        """The browser's CSRF value (a new one when it has none; set by :meth:`finish`)."""
        existing = request.cookies.get(CSRF_COOKIE)
        if existing and len(existing) >= 32:
            return existing
        fresh: str | None = getattr(request.state, "new_csrf", None)
        if fresh is None:
            fresh = secrets.token_urlsafe(32)
            request.state.new_csrf = fresh
        return fresh

    def check_post(self, request: Request, form: FormData) -> None:
        """Refuse a state change without the page's CSRF token or from another site."""
        origin = request.headers.get("origin")
        if origin and origin != "null":
            expected = {f"{request.url.scheme}://{request.headers.get('host', '')}"}
            forwarded = request.headers.get("x-forwarded-host")
            if forwarded:
                proto = request.headers.get("x-forwarded-proto", request.url.scheme)
                expected.add(f"{proto}://{forwarded}")
            if origin not in expected:
                raise Refused(403, "This form was sent from another site: it is refused. "
                                   "Use the dashboard's own pages.")
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = form.get(CSRF_FIELD)
        if not cookie or not isinstance(sent, str) or not hmac.compare_digest(
                cookie.encode(), sent.encode()):
            raise Refused(403, "The form's security token is missing or out of date: reload "
                               "the page and try again.")

    def finish(self, request: Request, response: Response) -> Response:
        """Add the security headers, and the CSRF cookie when the browser has none yet."""
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        new = getattr(request.state, "new_csrf", None)
        if new:
            response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict",
                                secure=request.url.scheme == "https", path="/")
        return response
