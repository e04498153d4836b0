"""Showing a ledger: ``status --json``, the ``status`` tables and ``explain``.

See docs/architecture.md §8.

Rendering only: every function takes a computed :class:`~bridge.engine.ledger.Ledger`; nothing here
reads the store or the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bridge.engine.ledger import Event, Ledger, Request, event_time, hours
from bridge.present import l10n
from bridge.present.terminal import clean, plain
from connectors.base import StatusChange, Ticket
from connectors.errors import ConfigError


def held_text(client: str, held: int) -> str:
    """``3 notice(s) held for review: revbridge outbox list acme``."""
    return f"{held} notice(s) held for review: revbridge outbox list {client}"


def _period(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return ""
    if start is None:
        return f"  (requests until {end})"
    return f"  (requests from {start})" if end is None else f"  (requests {start} to {end})"


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``: ``2026-03-02T09:00:00Z`` (microseconds kept if any)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ledger_to_json(ledger: Ledger, last_sync: datetime | None) -> dict[str, Any]:
    """The ``status CLIENT --json`` object, exactly the keys docs/architecture.md §8 lists."""
    quote = ledger.quote
    return {
        "client": ledger.client,
        "quote": {
            "reference": quote.reference,
            "rounds_included": quote.rounds_included,
            "hours_included": quote.hours_included,
            "hourly_rate": quote.hourly_rate,
            "round_price": quote.round_price,
            "currency": quote.currency,
        },
        "rounds_used": ledger.rounds_used,
        "rounds_remaining": ledger.rounds_remaining,
        "extra_rounds": ledger.extra_rounds,
        "hours_spent": ledger.hours_spent,
        "overage": {
            "rounds": ledger.overage.rounds,
            "hours": ledger.overage.hours,
            "amount": ledger.overage.amount,
            "currency": ledger.overage.currency,
        },
        "rounds": [
            {
                "number": found.number,
                "opened_at": iso(found.opened_at),
                "closed_at": iso(found.closed_at),
                "requests": list(found.tickets),
                "extra": found.extra,
                "hours": found.hours,
            }
            for found in ledger.rounds
        ],
        "requests": [
            {
                "ticket": request.ticket,
                "remote_id": request.remote_id,
                "url": request.url or None,
                "at": iso(request.at),
                "by": request.by,
                "by_name": request.by_name,
                "kind": request.kind,
                "status": request.status,
                "designated": request.designated,
                "round": request.round,
                "due_at": iso(request.due_at),
                "delivered_at": iso(request.delivered_at),
                "late": request.late,
                "hours": request.hours,
                "notices": list(request.notices),
                "priority": request.priority,
                "waiting_hours": request.waiting_hours,
            }
            for request in ledger.requests
        ],
        "last_sync": iso(last_sync),
    }


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "—" if moment is None else f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _money(amount: float, currency: str) -> str:
    # the terminal views are in English; one formatter for notices, reports and them (l10n)
    return l10n.money(amount, currency, "en")


def _hours(value: float) -> str:
    return l10n.hours(value, "en")


def render_status(ledger: Ledger, last_sync: datetime | None = None,
                  extra_rows: Sequence[tuple[str, RenderableType]] = (),
                  held: int = 0) -> RenderableType:
    """The ``status`` view of one client: a summary, its rounds and its late requests.

    ``extra_rows`` go in the summary after the overage (what was invoiced, what is due);
    ``held``: how many notices wait for review."""
    zone, quote = ZoneInfo(ledger.timezone), ledger.quote
    summary = Table(title=plain(f"{ledger.client_name} ({ledger.client})"), show_header=False,
                    title_justify="left")
    summary.add_column("what", style="bold")
    summary.add_column("value")
    summary.add_row("Quote", plain((quote.reference or "—") + _period(quote.start, quote.end)))
    summary.add_row("Rounds used / included",
                    f"{ledger.rounds_used} / {ledger.rounds_included}"
                    f"  ({ledger.rounds_remaining} left, {ledger.extra_rounds} extra)")
    included = "—" if quote.hours_included is None else _hours(quote.hours_included)
    summary.add_row("Hours spent / included", f"{_hours(ledger.hours_spent)} / {included}")
    over = ledger.overage
    over_text = Text(_money(over.amount, over.currency), style="bold red" if over.amount else "")
    over_text.append(f"  ({over.rounds} extra round(s) at the round price, "
                     f"{_hours(over.hours)} at the hourly rate)", style="dim")
    summary.add_row("Overage", over_text)
    for label, value in extra_rows:
        summary.add_row(label, value)
    late = ledger.late_requests
    summary.add_row("Late requests", Text(str(len(late)), style="bold red" if late else ""))
    waiting = [r for r in ledger.requests if r.waits and r.waits[-1][1] is None]
    if waiting:
        summary.add_row("Waiting on the client", str(len(waiting)))
    summary.add_row("Last sync", _local(last_sync, zone) if last_sync else "never")
    if held:
        summary.add_row("Notices held", Text(held_text(ledger.client, held), style="bold yellow"))
    parts: list[RenderableType] = [summary]
    if ledger.rounds:
        rounds = Table(title="Rounds", title_justify="left")
        for name in ("#", "opened", "closed", "requests", "hours", ""):
            rounds.add_column(name)
        for found in ledger.rounds:
            rounds.add_row(str(found.number), _local(found.opened_at, zone),
                           _local(found.closed_at, zone) if found.closed_at else "open",
                           str(len(found.requests)), _hours(found.hours),
                           Text("extra", style="bold red") if found.extra else "")
        parts.append(rounds)
    if late:
        table = Table(title="Late requests", title_justify="left")
        for name in ("ticket", "title", "priority", "round", "due", "waited", "delivered"):
            table.add_column(name)
        for request in late:
            table.add_row(plain(request.ticket), plain(request.title),
                          plain(request.priority or "—"), str(request.round or "—"),
                          _local(request.due_at, zone), _waited(request),
                          _local(request.delivered_at, zone))
        parts.append(table)
    if waiting:
        parts.append(_waiting_table(waiting, zone))
    return Group(*parts)


def _waiting_table(waiting: Sequence[Request], zone: ZoneInfo) -> Table:
    """The requests whose ticket waits on the client now: their SLA clock is stopped."""
    table = Table(title="Waiting on the client (SLA clock stopped)", title_justify="left")
    for name in ("ticket", "title", "priority", "waiting since", "waited", "due"):
        table.add_column(name)
    for request in waiting:
        table.add_row(plain(request.ticket), plain(request.title), plain(request.priority or "—"),
                      _local(request.waits[-1][0], zone), _waited(request),
                      _local(request.due_at, zone))
    return table


def _waited(request: Request) -> str:
    return _hours(request.waiting_hours) if request.waits else "—"


def explain(ledger: Ledger, ticket: str) -> str:
    """Why each request of ``ticket`` (key or remote id) has its status and round, the records
    behind it, and what it costs; :class:`ConfigError` when no request is on that ticket."""
    found = ledger.find(ticket)
    if not found:
        raise ConfigError([f"{ticket}: no request on this ticket in the ledger of {ledger.client}"])
    zone = ZoneInfo(ledger.timezone)
    parts = [f"{ledger.client_name}: times in {ledger.timezone}"]
    parts.extend(_explain_one(ledger, request, zone) for request in found)
    return clean("\n\n".join(parts))


def _explain_one(ledger: Ledger, request: Request, zone: ZoneInfo) -> str:
    when = _local(request.at, zone)
    lines = [f"{request.ticket} “{request.title}”: {request.kind} request of {when} "
             f"by {request.by_name or request.by}",
             f"  status: {request.status} ({request.reason})"]
    lines.append("  records:")
    lines.extend(f"    {_local(event_time(event), zone)}  {_describe(event)}"
                 for event in request.events)
    if request.round is not None:
        lines.extend(_round_lines(ledger, request, zone))
        if request.due_at is not None:
            state = "late" if request.late else "on time"
            lines.append(f"  due: {_local(request.due_at, zone)} ({state}); delivered: "
                         f"{_local(request.delivered_at, zone)}")
        if request.within is not None:
            lines.append("  " + l10n.priority_line(request.priority, request.within,
                                                   request.priority_labels, "en"))
        if request.waits:
            lines.append("  " + l10n.waiting_line(request.waits, request.waiting_hours,
                                                  request.paused_hours, zone, "en"))
    elif request.priority is not None:
        lines.append(f"  priority: {request.priority} (no due date: not counted)")
    lines.append(f"  cost: {_cost(ledger, request)}")
    lines.append(f"  notices: {', '.join(request.notices) or 'none'}")
    return "\n".join(lines)


def _describe(event: Event) -> str:
    if isinstance(event, Ticket):
        labels = ", ".join(event.labels) or "none"
        return f"created by {event.requester.name or event.requester.remote_id} (labels: {labels})"
    if isinstance(event, StatusChange):
        return (f"moved from {event.from_status or '?'} to {event.to_status} "
                f"by {event.by.name or event.by.remote_id}")
    logged = f"time entry {hours(event.seconds):.2f} h"
    if event.day is not None:
        logged += f" for {event.day.isoformat()}"
    if event.by is None:
        return f"{logged}, no author (the task's total time, always billed)"
    return f"{logged} by {event.by.name or event.by.remote_id}"


def _round_lines(ledger: Ledger, request: Request, zone: ZoneInfo) -> list[str]:
    found = next((r for r in ledger.rounds if r.number == request.round), None)
    if found is None:
        return []
    position = ledger.rounds.index(found) + 1
    grouping = ledger.grouping
    if grouping == "label":
        why = "its round label gives the number"
    elif grouping == "window":
        why = "it came within the window opened by the round's first request"
    elif grouping == "slots":
        why = "it came before the round's slot and after the previous one"
    elif found.requests[0] is request:
        earlier = ledger.rounds[position - 2] if position > 1 else None
        why = "no round was open"
        if earlier is not None:
            why += f" (round {earlier.number} closed {_local(earlier.closed_at, zone)})"
        why += ", so it opened this round"
    else:
        why = "the round was open: not every request in it was delivered yet"
    closed = f"closed {_local(found.closed_at, zone)}" if found.closed_at else "still open"
    return [f"  round {found.number} ({grouping} grouping): {why}",
            f"    round opened {_local(found.opened_at, zone)}, {closed}, "
            f"{len(found.requests)} request(s), {_hours(found.hours)}"
            + (", beyond the quote" if found.extra else ", within the quote")]


def _cost(ledger: Ledger, request: Request) -> str:
    quote = ledger.quote
    spent = _hours(request.hours)
    if request.status != "counted":
        return f"{spent} recorded; not counted against the quote"
    found = next((r for r in ledger.rounds if r.number == request.round), None)
    if found is not None and found.extra:
        if quote.round_price is not None:
            return (f"{spent}; round {found.number} is extra and billed "
                    f"{_money(quote.round_price, quote.currency)} as a whole")
        amount = request.seconds * quote.hourly_rate / 3600
        return (f"{spent} in an extra round, billed at {_money(quote.hourly_rate, quote.currency)}"
                f"/h = {_money(amount, quote.currency)}")
    if quote.hours_included is not None:
        return (f"{spent}, included in the quote (hours used by the included rounds count "
                f"against {_hours(quote.hours_included)}; beyond it at the hourly rate)")
    return f"{spent}, included in the quote"
