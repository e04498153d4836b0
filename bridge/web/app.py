"""The dashboard's ASGI application: routes, their guard, and the template environment.

Pages read the store and the client files (:class:`~bridge.web.board.Board`), never a tracker;
the only action that reaches a tracker is "sync now", which runs the ordinary sync
(:mod:`bridge.web.jobs`). Every page goes through :func:`_guarded`: host and token checks,
the CSRF check of a POST, the security headers.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bridge.clientfile.secrets import REDACTOR
from bridge.present.l10n import LANGUAGES, Language
from bridge.store import Store
from bridge.web.board import Board
from bridge.web.guard import AUTH_COOKIE, CSRF_FIELD, Guard, Refused
from bridge.web.jobs import Syncer, SyncJobs
from bridge.web.ledgers import LEDGER_MAX_AGE
from bridge.web.words import words
from connectors.errors import RevbridgeError

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
#: seconds a stopping server waits for the syncs it started to stop
SHUTDOWN_WAIT = 20.0
LANG_COOKIE = "rb_lang"

Handler = Callable[["Ctx"], Response]


@dataclass
class Dashboard:
    """What every page works with."""

    store: Store
    board: Board
    jobs: SyncJobs
    guard: Guard
    env: Environment
    #: the settings file the statements read (``--settings``; None: the default one)
    settings: Path | None = None


@dataclass
class Ctx:
    """One request as a page sees it: its parameters, its form (a POST) and the dashboard."""

    request: Request
    form: FormData | None
    app: Dashboard

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def language(self, default: Language = "en") -> Language:
        """``?lang=`` (remembered in a cookie), else the cookie, else ``default``."""
        for chosen in (self.query("lang"), self.request.cookies.get(LANG_COOKIE)):
            if chosen in LANGUAGES:
                return chosen
        return default

    def render(self, template: str, language: Language, status: int = 200,
               **values: Any) -> HTMLResponse:
        context = {
            "w": words(language), "lang": language, "languages": LANGUAGES,
            "csrf_field": CSRF_FIELD, "csrf": Guard.csrf_token(self.request),
            "path": self.request.url.path, **values,
        }
        response = HTMLResponse(self.app.env.get_template(template).render(context),
                                status_code=status)
        chosen = self.query("lang")
        if chosen in LANGUAGES:
            response.set_cookie(LANG_COOKIE, chosen, samesite="strict", path="/")
        return response

    def form_values(self, name: str) -> list[str]:
        assert self.form is not None
        return [v for v in self.form.getlist(name) if isinstance(v, str)]

    def form_value(self, name: str) -> str:
        values = self.form_values(name)
        return values[0] if values else ""


def redirect(path: str, **query: str | int) -> RedirectResponse:
    """303 to ``path`` (a POST's answer: the browser then GETs it)."""
    target = path + ("?" + urlencode(query) if query else "")
    return RedirectResponse(target, status_code=303)


def client_path(slug: str, *rest: str) -> str:
    return "/".join(["/clients", quote(slug, safe=""), *rest])


def is_web_url(value: object) -> bool:
    """Only http(s) addresses become links (a ``javascript:`` URL from a tracker does not)."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def make_env() -> Environment:
    env = Environment(loader=PackageLoader("bridge.web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["client_path"] = client_path
    env.tests["web_url"] = is_web_url
    return env


def create_app(store: Store, config_dir: Path, *, token: str | None = None,
               loopback_only: bool = True, syncer: Syncer | None = None,
               max_age: float = LEDGER_MAX_AGE, warm: bool = True,
               figures_file: Path | None = None, settings: Path | None = None) -> Starlette:
    """The dashboard over ``store`` and the client files of ``config_dir``.

    ``token``: required on every request when given. ``loopback_only``: answer only requests
    addressed to a loopback host name (ignored with a token). ``warm``: derive every missing
    overview figure in the background at once. ``figures_file``: where those figures are saved
    between runs (:mod:`bridge.web.figures`; None: not saved). ``settings``: the settings file
    the downloaded statements read (None: ``$REVBRIDGE_SETTINGS``, else the default one).
    """
    from bridge.web import pages  # the routes' handlers

    board = Board(store, config_dir, max_age, figures_file)
    jobs = SyncJobs(store, syncer) if syncer is not None else SyncJobs(store)
    dash = Dashboard(store, board, jobs, Guard(token, loopback_only), make_env(), settings)

    def guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        return _guarded(dash, handler)

    routes = [
        Route("/", guarded(pages.overview)),
        Route("/login", guarded(pages.login), methods=["GET", "POST"]),
        Route("/clients/{slug}", guarded(pages.client)),
        Route("/clients/{slug}/explain/{ticket}", guarded(pages.explanation)),
        Route("/clients/{slug}/report.{fmt}", guarded(pages.report)),
        Route("/clients/{slug}/outbox", guarded(pages.outbox)),
        Route("/clients/{slug}/outbox/{notice:int}/edit", guarded(pages.edit_notice),
              methods=["POST"]),
        Route("/clients/{slug}/outbox/{action}", guarded(pages.outbox_action),
              methods=["POST"]),
        Route("/clients/{slug}/sync", guarded(pages.sync_now), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        board.figures.save()
        # stopping: a running "sync now" ends at its next committed page or post
        unfinished = await run_in_threadpool(jobs.stop_all, SHUTDOWN_WAIT)
        for client in unfinished:
            log.warning("%s: the server stopped during a sync; the next sync resumes it", client)

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.dashboard = dash
    if warm:
        _warm(dash)
    return app


def _warm(dash: Dashboard) -> None:
    """What the first view would otherwise pay: compiling the templates, reading the client
    files and the figures saved by the last run; the missing figures are left to the background
    worker. A few hundred milliseconds, once, before the server answers."""
    for name in dash.env.list_templates(extensions=["html"]):
        dash.env.get_template(name)
    with contextlib.suppress(Exception):  # the first page view says what is wrong
        dash.board.warm()


def _error_page(request: Request, dash: Dashboard, status: int, message: str) -> Response:
    ctx = Ctx(request, None, dash)
    return ctx.render("error.html", ctx.language(), status=status, message=message, client=None)


def _guarded(dash: Dashboard, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        guard = dash.guard
        try:
            guard.check_host(request)
            if not guard.signed_in(request) and handler.__name__ != "login":
                if request.method != "GET":
                    raise Refused(401, "Sign in first: this dashboard needs its token.")
                response: Response = redirect("/login", next=request.url.path)
                return guard.finish(request, response)
            form = None
            if request.method == "POST":
                form = await request.form(max_files=0, max_fields=5000)
                guard.check_post(request, form)
            with dash.board.figures.serving():
                response = await run_in_threadpool(handler, Ctx(request, form, dash))
        except Refused as refused:
            response = _error_page(request, dash, refused.status, refused.message)
        except RevbridgeError as error:  # the store is unreachable, a migration is needed...
            message = f"{type(error).__name__}: {REDACTOR.redact(str(error))}"
            response = _error_page(request, dash, 503, message)
        return guard.finish(request, response)

    endpoint.__name__ = handler.__name__
    return endpoint


__all__ = ["AUTH_COOKIE", "Ctx", "Dashboard", "client_path", "create_app", "redirect"]
