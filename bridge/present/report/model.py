"""What a report lists, selected from a ledger. Every figure in a report is the ledger's own.

The period (``--from``/``--to``, whole days in the client's time zone, both inclusive) only
selects what is *listed*:

* a round is listed when it opened in the period — so each round belongs to exactly one
  period, and consecutive periods never list a round twice;
* a counted request is listed with its round;
* any other request (out of scope, not counted) is listed when it was made in the period;
* requests with the ``excluded`` status (the team's internal tickets) are never listed.

The totals a report shows (rounds and hours used, overage) are always the ledger's totals for
the whole quote. The period's subtotals (:class:`Subtotals`) only add up the listed rounds'
own figures (``Round.seconds``, ``Round.extra``); no money is computed for a period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bridge.clientfile.schema import ClientDetails
from bridge.clientfile.settings import Freelancer
from bridge.engine.invoicing import Invoice, Summary
from bridge.engine.ledger import Ledger, Request, Round, hours
from bridge.present.l10n import Language

#: statuses a client-facing report never lists
HIDDEN_STATUSES = frozenset({"excluded"})
#: listed in "requests not counted"
NOT_COUNTED_STATUSES = ("not_designated", "unassigned")


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days ``first``..``last`` (either may be open) in a time zone."""

    first: date | None
    last: date | None
    zone: ZoneInfo

    @property
    def start(self) -> datetime | None:
        """The first instant of the period (inclusive)."""
        if self.first is None:
            return None
        return datetime.combine(self.first, time(), self.zone)

    @property
    def end(self) -> datetime | None:
        """The first instant after the period (exclusive)."""
        if self.last is None:
            return None
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone)

    def contains(self, moment: datetime) -> bool:
        start, end = self.start, self.end
        return (start is None or moment >= start) and (end is None or moment < end)


@dataclass(frozen=True, slots=True)
class Subtotals:
    """Sums of the listed rounds' own figures."""

    rounds: int
    extra_rounds: int
    requests: int
    seconds: int

    @property
    def hours(self) -> float:
        return hours(self.seconds)


@dataclass(frozen=True, slots=True)
class Report:
    ledger: Ledger
    language: Language
    period: Period | None
    rounds: tuple[Round, ...]
    #: every listed request, in the ledger's order
    requests: tuple[Request, ...]
    out_of_scope: tuple[Request, ...]
    not_counted: tuple[Request, ...]
    late: tuple[Request, ...]
    #: only with a period
    subtotals: Subtotals | None
    #: what was invoiced and what is due (None: not known, e.g. a report made without a store)
    billing: Summary | None = None
    #: the non-void invoices the report lists: with a period, those whose last day is in it
    invoices: tuple[Invoice, ...] = ()
    #: who bills whom (shown when given)
    freelancer: Freelancer | None = None
    client_details: ClientDetails | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.ledger.timezone)


def build_report(ledger: Ledger, language: Language, period: Period | None = None, *,
                 billing: Summary | None = None, freelancer: Freelancer | None = None,
                 client_details: ClientDetails | None = None) -> Report:
    """Select what a report on ``ledger`` lists for ``period`` (everything without one)."""
    rounds = tuple(r for r in ledger.rounds if period is None or period.contains(r.opened_at))
    listed_rounds = {r.number for r in rounds}
    requests = tuple(r for r in ledger.requests if _listed(r, listed_rounds, period))
    subtotals = None
    if period is not None:
        subtotals = Subtotals(
            rounds=len(rounds),
            extra_rounds=sum(1 for r in rounds if r.extra),
            requests=sum(len(r.requests) for r in rounds),
            seconds=sum(r.seconds for r in rounds),
        )
    return Report(
        ledger=ledger,
        language=language,
        period=period,
        rounds=rounds,
        requests=requests,
        out_of_scope=tuple(r for r in requests if r.status == "out_of_scope"),
        not_counted=tuple(r for r in requests if r.status in NOT_COUNTED_STATUSES),
        late=tuple(r for r in requests if r.late),
        subtotals=subtotals,
        billing=billing,
        invoices=_invoices_in(billing, period),
        freelancer=freelancer,
        client_details=client_details,
    )


def _invoices_in(billing: Summary | None, period: Period | None) -> tuple[Invoice, ...]:
    if billing is None:
        return ()
    live = (i for i in billing.invoices if not i.void)
    if period is None:
        return tuple(live)
    return tuple(i for i in live if (period.first is None or i.through >= period.first)
                 and (period.last is None or i.through <= period.last))


def _listed(request: Request, listed_rounds: set[int], period: Period | None) -> bool:
    if request.status in HIDDEN_STATUSES:
        return False
    if request.status == "counted" and request.round is not None:
        return request.round in listed_rounds
    return period is None or period.contains(request.at)


def requester(request: Request) -> str:
    """Who asked: their name, else their tracker id."""
    return request.by_name or request.by
