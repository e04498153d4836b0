"""Worlds for the reliability suite: a fake tracker seeded with many tickets, a client file
loaded through the real loader, a SQLite store, and in-process syncs with a fast retry policy.

Every fake gets a token of its own, registered in :data:`SECRETS` so the suite's secret scan
(``conftest.py``) looks for it in every output, log line and database row.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bridge.clientfile.load import load_client
from bridge.clientfile.schema import ClientConfig
from bridge.clientfile.secrets import spellings
from bridge.present.notices import find_marker, notices_for
from bridge.store import ClientRecords, Store
from bridge.store.derive import ledger_for
from bridge.sync.run import RunSummary, SyncOptions, sync_client, sync_outcome
from connectors.http import RetryPolicy
from connectors.testing import fast_policy
from connectors.testing.fakes import Fake, make_fake, tracker_table
from tests import pg_schema
from tests.e2e import write_client_file
from tests.reliability import secret_scan

ROOT = Path(__file__).resolve().parents[2]
TRACKERS = ("jira", "trello", "asana")
#: every token handed to a fake in this process (the secret scan looks for each)
SECRETS: set[str] = set()
#: folders shared by several tests (module-wide stores): scanned for secrets at the end
SHARED_FOLDERS: list[Path] = []
#: a timeout fault answers after FAULT_DELAY, past the policy's timeout
POLICY_TIMEOUT = 0.5
FAULT_DELAY = 0.8
#: before any seeded history
OLD_SINCE = datetime(2020, 1, 1, tzinfo=UTC)


def policy() -> RetryPolicy:
    return fast_policy(timeout=POLICY_TIMEOUT)


def new_fake(tracker: str) -> Fake:
    """A started fake whose token is new and registered as a secret."""
    # ``+/=&%`` and a space: its URL-encoded and base64 spellings differ from it, and the
    # scan looks for every one of them (a Trello token travels URL-encoded in the query)
    token = f"rbsecret{tracker}+{secrets.token_hex(6)}/={secrets.token_hex(6)}&% x"
    SECRETS.update(spellings(token))
    fake = make_fake(tracker, token=token)
    fake.start()
    return fake


@dataclass
class People:
    client: str
    other: str
    team: str
    bot: str


@dataclass
class World:
    """One client on one fake, synced into ``store``."""

    tracker: str
    fake: Fake
    config: ClientConfig
    store: Store
    people: People
    tickets: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # tickets filed by the client

    @property
    def client(self) -> str:
        return self.config.client

    def sync(self, **options: Any) -> RunSummary:
        """One sync; a failed one returns its summary (outcome ``failed``) instead of raising."""
        result = sync_outcome(self.config, self.store, SyncOptions(policy=policy(), **options))
        assert result.summary is not None, result.error
        return result.summary

    def records(self) -> ClientRecords:
        return self.store.load_records(self.client)

    def markers_on_tracker(self) -> Counter[tuple[str, str]]:
        """(ticket, marker) of every comment on the fake that ends with a marker."""
        found: Counter[tuple[str, str]] = Counter()
        for ticket in self.tickets:
            for _, body in self.fake.comment_bodies(ticket):
                marker = find_marker(body)
                if marker is not None:
                    found[(ticket, marker)] += 1
        return found


def client_table(tracker: str, fake: Fake, slug: str, people: People) -> dict[str, Any]:
    """A client file (as a dict) for ``fake``, its token read from an env variable."""
    variable = f"RB_REL_TOKEN_{slug.upper().replace('-', '_')}"
    os.environ[variable] = fake.token
    return {
        "client": slug, "name": f"Client {slug}", "timezone": "Europe/Paris",
        "language": "en",
        "tracker": tracker_table(tracker, fake, f"env:{variable}"),
        "quote": {"reference": "Q-1", "rounds_included": 2, "hourly_rate": 80,
                  "currency": "EUR"},
        "rounds": {"grouping": "delivery"},
        "scope": {"out_of_scope_labels": ["out-of-scope"], "excluded_labels": ["internal"]},
        "contacts": {"client": [people.client], "team": [people.team, people.bot],
                     "non_designated": "count"},
        "sla": {"handle_within": "2d"},
        # an old `since`: these worlds prove that the markers, not `since`, keep a notice from
        # being posted twice (the seeded history would otherwise be skipped as first contact)
        "comments": {"mode": "auto", "since": OLD_SINCE},
    }


def load_world_config(folder: Path, table: dict[str, Any]) -> ClientConfig:
    path = write_client_file(folder, table, slug=table["client"])
    return load_client(path)


def add_people(fake: Fake) -> People:
    return People(client=fake.add_person("Claire Client", "claire@client.example"),
                  other=fake.add_person("Oscar Other", "oscar@client.example"),
                  team=fake.add_person("Tom Team", "tom@studio.example"), bot=fake.bot_id)


def seed(fake: Fake, people: People, *, team_tickets: int = 110, requests: int = 10,
         chatty_every: int = 4, start: datetime | None = None) -> tuple[list[str], list[str]]:
    """Team chores (not requests) and client requests spread over both halves of the
    listing, with moves, comments and time; every ``chatty_every``-th request carries more
    comments than a search page embeds (Jira fetches those separately)."""
    start = start or datetime.now(UTC) - timedelta(days=20)
    tickets: list[str] = []
    filed: list[str] = []
    total = team_tickets + requests
    spacing = max(1, total // max(1, requests))
    for n in range(total):
        at = start + timedelta(minutes=7 * n)
        if n % spacing == spacing - 1 and len(filed) < requests:
            who = people.other if len(filed) % 5 == 4 else people.client
            labels = ("out-of-scope",) if len(filed) % 7 == 6 else ()
            t = fake.create_ticket(f"Request {n}: change the header", who, labels=labels, at=at)
            fake.move(t, "In Progress", people.team, at=at + timedelta(minutes=1))
            fake.log_time(t, 1800, people.team, at=at + timedelta(minutes=2))
            comments = 25 if len(filed) % chatty_every == 0 else 1
            for c in range(comments):
                fake.add_comment(t, f"detail {c}", who, at=at + timedelta(minutes=3, seconds=c))
            if len(filed) % 2 == 0:
                fake.move(t, "In Review", people.team, at=at + timedelta(minutes=5))
            filed.append(t)
        else:
            t = fake.create_ticket(f"Chore {n}", people.team, at=at)
            if n % 3 == 0:
                fake.move(t, "Done", people.team, at=at + timedelta(minutes=1))
        tickets.append(t)
    return tickets, filed


#: the store a world opens when given none: "sqlite", or "pg" (a schema of its own on
#: ``$REVBRIDGE_TEST_PG``); set per test by the ``store_backend`` fixture (conftest.py)
BACKEND = "sqlite"
PG_ENV = pg_schema.PG_ENV


#: secrets found in PostgreSQL schemas before they were dropped (the secret scan reports them)
DATABASE_LEAKS: list[str] = []


def _scan_schema(admin: Engine, schema: str) -> None:
    DATABASE_LEAKS.extend(secret_scan.in_schema(SECRETS, admin, schema))


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose ``search_path`` is a new schema; its rows are searched for
    :data:`SECRETS` (into :data:`DATABASE_LEAKS`), then it is dropped."""
    with pg_schema.pg_schema_url("rb_rel", before_drop=_scan_schema) as url:
        yield url


@contextmanager
def backend_url(folder: Path, slug: str) -> Iterator[str]:
    """The URL of a new store on :data:`BACKEND`: a SQLite file in ``folder``, or a schema
    of its own on PostgreSQL (dropped after)."""
    if BACKEND == "pg":
        with pg_schema_url() as url:
            yield url
        return
    yield f"sqlite:///{folder / (slug + '.db')}"


@contextmanager
def backend_store(folder: Path, slug: str) -> Iterator[Store]:
    """A new store on :data:`BACKEND`, closed (and its schema dropped) after."""
    with backend_url(folder, slug) as url:
        store = Store.open(url)
        try:
            yield store
        finally:
            store.close()


@contextmanager
def world(tracker: str, folder: Path, slug: str = "acme", store: Store | None = None,
          **seed_options: Any) -> Iterator[World]:
    """A seeded fake and a client on it (on ``store``, else a new store on :data:`BACKEND`);
    the fake is stopped and a store of its own closed after."""
    if store is None:
        with backend_store(folder, slug) as own, \
                world(tracker, folder, slug, own, **seed_options) as made:
            yield made
        return
    fake = new_fake(tracker)
    opened = store
    try:
        people = add_people(fake)
        tickets, filed = seed(fake, people, **seed_options)
        config = load_world_config(folder / "clients", client_table(tracker, fake, slug, people))
        yield World(tracker, fake, config, opened, people, tickets, filed)
    finally:
        fake.stop()


def comparable(records: ClientRecords) -> dict[str, Any]:
    """A store's records as sets, for comparing two stores of the same client."""
    return {
        "tickets": set(records.tickets),
        "changes": {(c.ticket_id, c.at, c.by.remote_id, c.from_status, c.to_status)
                    for c in records.changes},
        "comments": set(records.comments),
        "time": set(records.time_entries),
    }


def assert_converged(w: World, folder: Path) -> None:
    """The store holds what a fresh full pull of the tracker holds, every notice the ledger
    calls for is posted, and each one stands on its ticket exactly once."""
    # the reference: the same client file under another slug, fully pulled into the same store
    quiet = w.config.comments.model_copy(update={"mode": "off"})  # the twin posts nothing
    twin = w.config.model_copy(update={"client": f"{w.client}-reference", "comments": quiet})
    fresh = sync_client(twin, w.store, SyncOptions(policy=policy(), full=True))
    assert fresh.outcome == "ok", fresh.error
    assert comparable(w.records()) == comparable(w.store.load_records(twin.client))
    ledger = ledger_for(w.store, w.config)
    wanted = {n.key: n for n in notices_for(ledger, w.config)}
    rows = {row.key: row for row in w.store.outbox(w.client)}
    assert set(rows) == set(wanted), "a notice the ledger calls for is missing (or extra)"
    assert {row.state for row in rows.values()} == {"posted"} or not rows
    on_tracker = w.markers_on_tracker()
    assert [k for k, n in on_tracker.items() if n > 1] == [], "a notice was posted twice"
    assert set(on_tracker) == {(r.ticket_id, r.marker) for r in rows.values()}
