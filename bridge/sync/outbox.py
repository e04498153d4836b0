"""The outbox: notices queued in the store, then posted exactly once (docs/architecture.md §6).

A notice for a request made before ``[comments] since`` is queued ``skipped`` and never posted
(``approve`` by id releases one on purpose). Any other goes ``pending`` (or ``held`` in review
mode) → ``sending`` (committed before the
POST) → ``posted`` (with the remote comment id). A row found in ``sending`` was interrupted
after the POST may have reached the tracker, so the tracker is asked (``find_comment``) before
it is posted again. When that POST timed out unanswered (``in_flight_at``), the tracker may
still be carrying it out: for ``IN_FLIGHT_GRACE`` the row is only looked for, not re-posted.
A marker already standing in the ticket's stored comments marks the row posted without
posting.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bridge.clientfile.schema import ClientConfig
from bridge.engine.ledger import Ledger
from bridge.present.notices import (
    OVERDUE_TEXTS,
    Notice,
    NoticeContext,
    find_marker,
    marker_lookalike,
    notice_for,
    notice_key,
    notices_for,
    with_marker,
)
from bridge.store import NoticeLine, Store
from bridge.store.derive import OutboxIndex
from bridge.store.models import OutboxRow, utc_now
from connectors.base import Comment, Connector
from connectors.errors import (
    ConfigError,
    CredentialsRefused,
    RemoteFatalError,
    RemoteRetriableError,
)

log = logging.getLogger(__name__)

#: how long a notice whose POST timed out unanswered is only looked for, never re-posted
IN_FLIGHT_GRACE = timedelta(minutes=10)


@dataclass
class PostResult:
    posted: list[OutboxRow] = field(default_factory=list)
    already_there: list[OutboxRow] = field(default_factory=list)
    #: POSTs that timed out unanswered moments ago: looked for, not found yet, not re-posted
    in_doubt: list[OutboxRow] = field(default_factory=list)
    failed: list[tuple[OutboxRow, str]] = field(default_factory=list)


def queue_notices(store: Store, config: ClientConfig, notices: Iterable[Notice],
                  live_tickets: set[str], *, since: datetime | None = None) -> list[OutboxRow]:
    """Write notices not yet in the outbox: ``skipped`` for a request made before ``since``,
    else ``held`` in review mode, ``pending`` in auto mode. Returns the new rows."""
    if config.comments.mode == "off":
        return []
    state = "held" if config.comments.mode == "review" else "pending"
    rows = [
        OutboxRow(client=config.client, key=n.key, ticket_id=n.ticket_id, kind=n.kind,
                  marker=n.marker, body=n.body,
                  state="skipped" if since is not None and n.at < since else state)
        for n in notices
        if n.ticket_id in live_tickets
    ]
    return store.add_notices(rows)


def refresh_overdue(store: Store, config: ClientConfig, ledger: Ledger,
                    rows: Sequence[OutboxRow] | None = None) -> int:
    """Rewrite the waiting (held or pending) notices whose request's due moment has passed
    since their text was written, so that none promises a date in the past (a late approval).
    A text the freelancer edited is left as it is. Returns how many were rewritten.

    ``rows``: the client's held and pending notices, when the caller has just read them."""
    if rows is None:
        rows = store.outbox(config.client, ("held", "pending"))
    waiting = {row.key: row for row in rows
               if row.kind in OVERDUE_TEXTS[config.language] and row.edited_at is None}
    if not waiting:
        return 0
    context = NoticeContext.of(ledger)
    now, count = context.now, 0
    for request in ledger.requests:
        if request.due_at is None or request.due_at > now:
            continue
        for kind in request.notices:
            key = notice_key(config.client, request.remote_id, request.at, kind)
            row = waiting.get(key)
            if row is None or row.id is None:
                continue
            body = notice_for(request, kind, config, context, key).body
            if body != row.body:
                store.update_notice(row.id, body=body)
                count += 1
    return count


def new_notices(ledger: Ledger, config: ClientConfig, outbox: OutboxIndex,
                live_tickets: set[str]) -> list[Notice]:
    """The notices the ledger calls for on live tickets that are not in the outbox yet: what a
    sync queues now (and ``--dry-run`` shows). None when comments are ``off``.

    Only these get their text written: after the first sync, nearly every notice is known.
    """
    if config.comments.mode == "off":
        return []
    return [n for n in notices_for(ledger, config, skip=outbox.keys)
            if n.ticket_id in live_tickets]


def post_pending(store: Store, client: str, connector: Connector,
                 stored_comments: Sequence[Comment] | None = None, *,
                 rows: Sequence[OutboxRow] | None = None,
                 stop: threading.Event | None = None) -> PostResult:
    """Post every ``pending`` or interrupted ``sending`` notice of ``client`` once (``rows``:
    those notices, when the caller has just read them); when ``stop`` is set, post no more
    (the rest stay pending for the next run).

    A notice whose marker stands in ``stored_comments`` (by default the stored comments of the
    tickets with a notice to post, read only when there is one) is marked posted instead.
    """
    if rows is None:
        rows = store.outbox(client, ("pending", "sending"))
    if stored_comments is None:
        stored_comments = store.comments(client, {row.ticket_id for row in rows}) if rows else ()
    by_marker: dict[tuple[str, str], str] = {}
    for comment in stored_comments:
        marker = find_marker(comment.body)
        if marker is not None:
            by_marker[(comment.ticket_id, marker)] = comment.remote_id
    result = PostResult()
    for row in rows:
        if stop is not None and stop.is_set():
            break
        assert row.id is not None
        existing = by_marker.get((row.ticket_id, row.marker))
        if existing is None and row.state == "sending":
            try:
                existing = connector.find_comment(row.ticket_id, row.marker)
            except CredentialsRefused:
                raise
            except RemoteFatalError as exc:
                # cannot be checked (the ticket is gone?): stays `sending`, others go on
                result.failed.append((row, str(exc)))
                log.warning("%s: notice %s on %s cannot be checked: %s", client, row.marker,
                            row.ticket_id, exc)
                continue
        if existing is not None:
            store.update_notice(row.id, state="posted", remote_comment_id=existing,
                                posted_at=utc_now(), error=None)
            result.already_there.append(row)
            continue
        if row.in_flight_at is not None and utc_now() - row.in_flight_at < IN_FLIGHT_GRACE:
            result.in_doubt.append(row)  # the tracker may still be writing it: wait
            log.info("%s: notice %s on %s timed out moments ago; not posted again yet",
                     client, row.marker, row.ticket_id)
            continue
        store.update_notice(row.id, state="sending", in_flight_at=None)
        try:
            comment_id = connector.post_comment(row.ticket_id, row.body)
        except RemoteRetriableError as exc:
            # the row stays `sending`: the next run looks for it before posting
            if exc.in_flight:
                store.update_notice(row.id, in_flight_at=utc_now(), error=str(exc))
            raise
        except CredentialsRefused:
            raise
        except RemoteFatalError as exc:
            # Only a 4xx answer says nothing was posted (e.g. the ticket is gone): try again
            # next run. Any other failure (a 2xx answer without a comment id...) may have
            # posted it: the row stays `sending`, so the next run looks for it first.
            refused = exc.status is not None and 400 <= exc.status < 500
            store.update_notice(row.id, state="pending" if refused else "sending",
                                error=str(exc))
            result.failed.append((row, str(exc)))
            log.warning("%s: notice %s on %s failed: %s", client, row.marker, row.ticket_id, exc)
            continue
        store.update_notice(row.id, state="posted", remote_comment_id=comment_id,
                            posted_at=utc_now(), error=None)
        result.posted.append(row)
    return result


def approve(store: Store, client: str, ids: Sequence[int] = ()) -> int:
    """Release held notices (all, or those in ``ids``) for posting; a ``skipped`` notice (a
    request made before ``[comments] since``) only when named by id. Returns how many."""
    return _move(store, client, ("held", "skipped") if ids else "held", "pending", ids)


#: the states whose text ``outbox edit`` may rewrite: not yet on the tracker
EDITABLE = ("held", "pending", "skipped")


def editable(store: Store, client: str, notice_id: int) -> NoticeLine:
    """The notice ``outbox edit`` may rewrite; ConfigError when there is none by that id or it
    is on the tracker already, or discarded."""
    found = store.notice_lines(client, ids=[notice_id])
    if not found:
        raise ConfigError([f"{client}: no notice with id {notice_id}; "
                           f"see `revbridge outbox list {client} --all`"])
    line = found[0]
    if line.state not in EDITABLE:
        why = ("it is on the tracker already: edit the comment there" if line.state in
               ("posted", "sending") else "it was discarded and will never be posted")
        raise ConfigError([f"{client}: notice {notice_id} is {line.state}, so its text cannot "
                           f"be changed: {why}"])
    return line


def edit(store: Store, client: str, notice_id: int, text: str) -> OutboxRow:
    """Replace the text of a notice not yet posted with ``text`` (the freelancer's own words,
    posted as they are, braces included); revbridge appends the notice's marker. Raises
    ConfigError when the notice cannot be edited or the text is refused."""
    line = editable(store, client, notice_id)
    words = text.replace("\r\n", "\n").replace("\r", "\n").strip()  # a browser's text area
    if not words:
        raise ConfigError([f"{client}: notice {notice_id}: the new text is empty; to drop the "
                           f"notice, run `revbridge outbox discard {client} --id {notice_id}`"])
    lookalike = marker_lookalike(words)
    if lookalike is not None:
        raise ConfigError([f"{client}: notice {notice_id}: the text holds {lookalike!r}, which "
                           "reads like a revbridge marker; remove it (revbridge appends the "
                           "notice's own marker itself)"])
    row = store.rewrite_notice(notice_id, with_marker(words, line.marker), EDITABLE)
    if row is None:
        raise ConfigError([f"{client}: notice {notice_id} was posted or discarded meanwhile; "
                           "its text was not changed"])
    return row


def editable_text(body: str, marker: str) -> str:
    """A notice's text as the freelancer edits it: without the marker revbridge appends."""
    text = body.rstrip()
    return text[: -len(marker)].rstrip() if text.endswith(marker) else text


def discard(store: Store, client: str, ids: Sequence[int] = ()) -> int:
    """Drop held or pending notices (all, or those in ``ids``); they are never posted."""
    return _move(store, client, ("held", "pending"), "discarded", ids)



def _move(store: Store, client: str, source: str | tuple[str, ...], target: str,
          ids: Sequence[int]) -> int:
    states = (source,) if isinstance(source, str) else source
    rows = [r for r in store.outbox(client, states) if not ids or r.id in ids]
    missing = set(ids) - {r.id for r in rows}
    if missing:
        ids_text = ", ".join(map(str, sorted(missing)))
        raise ConfigError([f"{client}: no {'/'.join(states)} notice with id {ids_text}"])
    with store.session() as s:
        for row in rows:
            assert row.id is not None
            store.update_notice(row.id, state=target, session=s)
    return len(rows)
