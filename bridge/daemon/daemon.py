"""``revbridge daemon``: every client synced at its own ``[schedule]``, failures kept to it.

One APScheduler job per client file (``max_instances = 1``, missed runs coalesced, a little
jitter). A failed sync backs that client off exponentially; refused or missing credentials
pause it until its file changes (or SIGHUP). The client files are re-read on SIGHUP and when
their modification times change. SIGTERM / SIGINT stop new syncs; a running one stops after
the page it is committing, and the process exits 0 within :data:`STOP_GRACE` seconds.
Several daemons may share one PostgreSQL store: the per-client lock lets one sync a client
at a time, and a daemon that finds it held skips that run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import signal
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import make_url

from bridge.clientfile.load import read_client
from bridge.clientfile.schema import ClientConfig, Schedule
from bridge.clientfile.watch import ClientFileWatcher
from bridge.daemon.fair import EndpointGate, endpoint_of, synced_lately
from bridge.daemon.schedule import (
    backoff_delay,
    first_interval_run,
    jitter_for,
    period,
    seconds_text,
    trigger_for,
)
from bridge.present.ledger_view import held_text
from bridge.store import Store
from bridge.store.budgets import share_budgets, stop_sharing_budgets
from bridge.store.plans import DaemonPlan
from bridge.sync.run import RunSummary, SyncOptions, sync_outcome
from connectors.errors import (
    CredentialsError,
    CredentialsRefused,
    Interrupted,
    LockTimeout,
    RevbridgeError,
    StoreError,
)

log = logging.getLogger(__name__)

STOP_GRACE = 7.0  # seconds a stopping daemon waits for running syncs (exit within 10 s)
TICK = 0.2  # seconds between two looks at the signal flags


@dataclass
class DaemonOptions:
    config_dir: Path
    db: str | None = None
    #: seconds between two looks at the client files' modification times (0: SIGHUP only)
    watch_interval: float = 3.0
    #: how long a run waits for a client's lock held by another process before skipping
    lock_timeout: float = 1.0
    workers: int = 4
    workers_from: str = "the default"  # --workers, the settings file or the default: logged
    grace: float = STOP_GRACE


@dataclass
class ClientJob:
    """A scheduled client: its last good file and its failure state."""

    path: Path
    config: ClientConfig
    failures: int = 0
    retry_at: datetime | None = None
    paused: str | None = None


def daemon_id() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z"


def describe(schedule: Schedule, zone: str) -> str:
    return f"every {schedule.every}" if schedule.cron is None else f"cron {schedule.cron!r} {zone}"


class Daemon:
    def __init__(self, options: DaemonOptions) -> None:
        self.options = options
        self.me = daemon_id()
        self.clients: dict[str, ClientJob] = {}
        self._store: Store | None = None
        self._lock = threading.RLock()  # guards self.clients and job changes
        self._idle = threading.Condition()  # guards _running and _stopping
        self._running: set[str] = set()  # clients being synced now
        self._stopping = threading.Event()
        self._stop_requested = False  # set by signal handlers: plain flags, no locks there
        self._reload_requested = False
        self._watcher = ClientFileWatcher(options.config_dir)
        self._gate = EndpointGate(max(1, options.workers))
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max(1, options.workers))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    @property
    def store(self) -> Store:
        assert self._store is not None, "the daemon is not running"
        return self._store

    # -- the main thread -----------------------------------------------------------------
    def run(self) -> int:
        """Run until SIGTERM / SIGINT; returns the exit code (0)."""
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        if hasattr(signal, "SIGHUP"):  # not on Windows: file watching still reloads
            signal.signal(signal.SIGHUP, self._on_hup)
        self._store = Store.open(self.options.db)
        share_budgets(self.store.engine)  # PostgreSQL: budgets shared with the other daemons
        url = make_url(str(self.store.engine.url)).render_as_string(hide_password=True)
        log.info("daemon %s started: client files in %s, database %s, %d worker(s) (%s)",
                 self.me, self.options.config_dir, url, self.options.workers,
                 self.options.workers_from, extra={"event": "started"})
        self.scheduler.start()
        self.reload(everything=True)
        if not self.clients:
            log.warning("no valid client file in %s yet; waiting for one",
                        self.options.config_dir)
        watch = self.options.watch_interval
        next_look = time.monotonic() + watch
        while not self._stop_requested:
            time.sleep(TICK)
            if self._reload_requested:
                self._reload_requested = False
                log.info("SIGHUP: reading every client file again", extra={"event": "reload"})
                self.reload(everything=True)
            elif watch > 0 and time.monotonic() >= next_look:
                self.reload()
            else:
                continue
            next_look = time.monotonic() + watch
        return self.stop()

    def _on_stop(self, signum: int, _frame: FrameType | None) -> None:
        self._stop_requested = True

    def _on_hup(self, signum: int, _frame: FrameType | None) -> None:
        self._reload_requested = True

    def stop(self) -> int:
        """Take no new sync, let running ones reach a committed page, then exit 0."""
        log.info("stopping: no new syncs; running ones stop after their current page",
                 extra={"event": "stopping"})
        with self._idle:
            self._stopping.set()
        self.scheduler.shutdown(wait=False)
        deadline = time.monotonic() + self.options.grace
        with self._idle:
            while self._running and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
            still = sorted(self._running)
        if still:
            # a request still waiting on a tracker: what it had committed is kept; the
            # operating system (or the server) releases its lock when the process ends
            log.warning("stopping now with %d sync(s) still waiting on a tracker (%s); "
                        "their committed pages are kept", len(still), ", ".join(still),
                        extra={"event": "stopped"})
            self._abandon(still)
            logging.shutdown()
            os._exit(0)
        self._forget()
        stop_sharing_budgets()
        self.store.close()
        log.info("stopped", extra={"event": "stopped"})
        return 0

    def _abandon(self, slugs: list[str]) -> None:
        """Record the runs left unfinished by a forced stop (we still hold their locks)."""
        for slug in slugs:
            try:
                run = self.store.last_run(slug)
                if run is not None and run.id is not None and run.outcome == "running":
                    self.store.finish_run(run.id, "failed", error="Interrupted: the daemon "
                                          "stopped while the tracker had not answered")
            except RevbridgeError as exc:
                log.warning("%s: could not record the abandoned run: %s", slug, exc)

    # -- client files --------------------------------------------------------------------
    def reload(self, everything: bool = False) -> None:
        """Apply what changed in the config dir (``everything``: re-read every file)."""
        changes = self._watcher.look(everything)
        for path in changes.removed:
            slug = self._slug_of(path)
            if slug is not None:
                self._remove(slug, f"{path} was removed")
        for path in changes.changed:
            self._load(path)

    def _slug_of(self, path: Path) -> str | None:
        with self._lock:
            return next((s for s, job in self.clients.items() if job.path == path), None)

    def _load(self, path: Path) -> None:
        config, problems = read_client(path)
        current = self._slug_of(path)
        if config is None:
            for problem in problems:
                log.error("%s", problem, extra={"client": current or path.stem})
            if current is not None:
                log.warning("%s: %s has %d problem(s); keeping its last good version",
                            current, path, len(problems), extra={"client": current})
            else:
                log.warning("%s: not scheduled until the file is fixed", path)
            return
        slug = config.client
        with self._lock:
            other = self.clients.get(slug)
            if other is not None and other.path != path:
                log.error("%s: client %r is also the slug of %s; this file is ignored",
                          path, slug, other.path, extra={"client": slug})
                return
            if current is not None and current != slug:
                self._remove(current, f"{path} now names client {slug!r}")
            self._schedule(path, config, other)

    def _schedule(self, path: Path, config: ClientConfig, previous: ClientJob | None) -> None:
        slug, zone = config.client, config.zone
        job = ClientJob(path, config)  # its file changed: failures and pause are forgotten
        with self._lock:
            self.clients[slug] = job
            keep = (previous is not None and not previous.paused and not previous.failures
                    and previous.config.schedule == config.schedule
                    and previous.config.timezone == config.timezone
                    and self.scheduler.get_job(slug) is not None)
            if keep:
                log.info("%s: reloaded %s", slug, path, extra={"client": slug})
            else:
                now, seconds = datetime.now(UTC), period(config.schedule, zone)
                spread = timedelta(seconds=random.uniform(0, jitter_for(seconds)))
                first = None
                if config.schedule.cron is None:
                    last = self.store.last_run(slug)
                    first = first_interval_run(
                        seconds, last.started_at if last else None, now) + spread
                # a client fixed after failing or being paused is tried again right away
                retry = previous is not None and bool(previous.paused or previous.failures)
                self.scheduler.add_job(
                    self._run_job, trigger_for(config.schedule, zone, first_run=first),
                    args=[slug], id=slug, name=slug, replace_existing=True,
                    **({"next_run_time": now + spread} if retry else {}))
                log.info("%s: scheduled %s from %s; next run %s", slug,
                         describe(config.schedule, config.timezone), path,
                         when(self._next_run(slug)), extra={"client": slug})
        self._publish(slug, job)

    def _remove(self, slug: str, why: str) -> None:
        with self._lock:
            self.clients.pop(slug, None)
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(slug)
        self._forget(slug)
        log.info("%s: no longer scheduled (%s)", slug, why, extra={"client": slug})

    def _next_run(self, slug: str) -> datetime | None:
        job = self.scheduler.get_job(slug)
        return None if job is None else job.next_run_time

    # -- the plans in the store (advisory: a failure to write one never stops a sync) ----
    def _publish(self, slug: str, job: ClientJob) -> None:
        with self._lock:
            plan = DaemonPlan(self.me, next_run_at=None if job.paused else self._next_run(slug),
                              failures=job.failures, retry_at=job.retry_at, paused=job.paused)
        try:
            self.store.plans.save(slug, plan)
        except StoreError as exc:
            log.warning("%s: could not record the daemon's plan: %s", slug, exc,
                        extra={"client": slug})

    def _forget(self, slug: str | None = None) -> None:
        """Delete this daemon's plans (only ``slug``'s when given)."""
        try:
            self.store.plans.forget(self.me, slug)
        except StoreError as exc:
            log.warning("could not clear the daemon's plans: %s", exc)

    # -- a run (in a worker thread) ------------------------------------------------------
    def _run_job(self, slug: str) -> None:
        with self._idle:
            if self._stopping.is_set():
                return
            self._running.add(slug)
        try:
            with self._lock:
                job = self.clients.get(slug)
            if job is not None and job.paused is None:
                self._sync_in_turn(slug, job)
        finally:
            with self._idle:
                self._running.discard(slug)
                self._idle.notify_all()

    def _sync_in_turn(self, slug: str, job: ClientJob) -> None:
        """Sync unless the client's tracker already holds its share of the workers."""
        seconds = period(job.config.schedule, job.config.zone)
        if (age := synced_lately(self.store, slug, seconds)) is not None:
            log.debug("%s: skipped: its last sync began %.1fs ago, under half a period", slug, age,
                      extra={"client": slug, "event": "skipped"})
            return
        endpoint = endpoint_of(job.config)
        if not self._gate.enter(endpoint):
            log.warning("%s: skipped this run: %d sync(s) on %s are still running (a slow "
                        "tracker keeps at most %d of the %d workers); next run %s", slug,
                        self._gate.busy(endpoint), endpoint, self._gate.share,
                        self.options.workers, when(self._next_run(slug)),
                        extra={"client": slug, "event": "skipped"})
            return
        try:
            self._sync(slug, job, seconds)
        finally:
            self._gate.leave(endpoint)

    def _sync(self, slug: str, job: ClientJob, seconds: float) -> None:
        # synced lately again once locked: another daemon may have synced it while we waited
        options = SyncOptions(lock_timeout=self.options.lock_timeout, stop=self._stopping,
                              stop_reason="the daemon is stopping", skip_once_locked=lambda:
                              synced_lately(self.store, slug, seconds) is not None)
        failure: Exception | None
        summary: RunSummary | None = None
        try:
            result = sync_outcome(job.config, self.store, options)
        except Exception as exc:  # a bug: this client only
            log.exception("%s: sync crashed: %s", slug, exc, extra={"client": slug})
            failure = exc
        else:
            if isinstance(result.error, LockTimeout) or (
                    result.summary is not None and result.summary.outcome == "skipped"):
                log.debug("%s: skipped: another process is syncing it or just did", slug,
                          extra={"client": slug, "event": "skipped"})
                return
            failure, summary = result.error, result.summary
        if isinstance(failure, Interrupted):
            log.info("%s: %s", slug, failure, extra={"client": slug, "event": "interrupted"})
            return
        with self._lock:
            if self.clients.get(slug) is not job:  # removed or reloaded meanwhile
                return
            if failure is None:
                assert summary is not None
                self._succeeded(slug, job, summary)
            elif isinstance(failure, CredentialsError | CredentialsRefused):
                self._pause(slug, job, failure)
            else:
                self._back_off(slug, job, failure)
        self._publish(slug, job)

    def _succeeded(self, slug: str, job: ClientJob, s: RunSummary) -> None:
        job.failures, job.retry_at = 0, None
        held = f"; {held_text(slug, s.notices_held)}" if s.notices_held else ""
        log.info("%s: synced in %.1fs: %d ticket(s) pulled, %d new request(s), "
                 "%d notice(s) posted%s; next run %s", slug, s.seconds, s.tickets,
                 s.new_requests, s.notices_posted, held, when(self._next_run(slug)),
                 extra={"client": slug, "event": "synced"})

    def _back_off(self, slug: str, job: ClientJob, failure: BaseException) -> None:
        job.failures += 1
        delay = backoff_delay(period(job.config.schedule, job.config.zone), job.failures)
        job.retry_at = datetime.now(UTC) + timedelta(seconds=delay)
        planned = self._next_run(slug)
        if not self._stopping.is_set() and (planned is None or planned < job.retry_at):
            self.scheduler.modify_job(slug, next_run_time=job.retry_at)
        log.warning("%s: sync failed (%s: %s); %d failure(s) in a row, next try in %s at %s",
                    slug, type(failure).__name__, failure, job.failures, seconds_text(delay),
                    when(self._next_run(slug)), extra={"client": slug, "event": "backoff"})

    def _pause(self, slug: str, job: ClientJob, failure: BaseException) -> None:
        job.paused = f"credentials refused or missing: {type(failure).__name__}: {failure}"
        job.retry_at = None
        if not self._stopping.is_set():
            self.scheduler.pause_job(slug)
        log.error("%s: paused, %s. Fix them (`revbridge auth set %s`, or the env:/cmd: "
                  "reference), then save %s or send SIGHUP to resume", slug, job.paused, slug,
                  job.path, extra={"client": slug, "event": "paused"})
