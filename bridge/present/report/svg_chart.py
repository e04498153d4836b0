"""An inline SVG chart of rounds and hours used over time against the quote's limits.

Two panels share a time axis: the rounds used (a step up at each round's opening; extra rounds
marked in red) and the hours spent (a step up at each time entry of a counted request), each
with the quote's limit as a dashed line. The curves end on the ledger's totals: the hours curve
adds up the very entries the ledger attributed to counted requests. The selected period, if
any, is shaded. No script, no external asset; every text is escaped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from bridge.present import l10n
from bridge.present.report.model import Report

WIDTH, LEFT, RIGHT = 760, 56, 120
PANEL_HEIGHT, TOP, GAP = 130, 34, 70
HEIGHT = TOP + 2 * PANEL_HEIGHT + GAP + 40
COLORS = {"rounds": "#2563eb", "hours": "#059669", "limit": "#dc2626", "extra": "#dc2626",
          "grid": "#e5e7eb", "text": "#374151", "period": "#fef3c7"}


@dataclass(frozen=True, slots=True)
class Panel:
    name: str
    title: str
    top: float
    points: list[tuple[datetime, float]]  # (when, cumulative value), in time order
    limit: float | None
    unit: str  # "rounds" or "hours"

    @property
    def bottom(self) -> float:
        return self.top + PANEL_HEIGHT

    @property
    def ymax(self) -> float:
        final = self.points[-1][1] if self.points else 0
        return max(final, self.limit or 0, 1) * 1.15

    def y(self, value: float) -> float:
        return round(self.bottom - value / self.ymax * PANEL_HEIGHT, 2)


def render_chart(report: Report) -> str:
    w, lang, ledger = l10n.words(report.language), report.language, report.ledger
    rounds = sorted(ledger.rounds, key=lambda r: r.opened_at)
    round_points = [(r.opened_at, float(i)) for i, r in enumerate(rounds, start=1)]
    entries = sorted((e.at, e.seconds) for r in ledger.requests if r.status == "counted"
                     for e in r.entries)
    hour_points: list[tuple[datetime, float]] = []
    total = 0
    for when, seconds in entries:
        total += seconds
        hour_points.append((when, round(total / 3600, 4)))
    panels = [
        Panel("rounds", w["chart.rounds"], TOP, round_points, float(ledger.rounds_included),
              "rounds"),
        Panel("hours", w["chart.hours"], TOP + PANEL_HEIGHT + GAP, hour_points,
              ledger.quote.hours_included, "hours"),
    ]
    desc = (f"{w['rounds_used']}: {ledger.rounds_used} / {ledger.rounds_included}; "
            f"{w['hours_spent']}: {l10n.hours(ledger.hours_spent, lang)}")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
             f'font-family="system-ui, sans-serif" font-size="11" fill="{COLORS["text"]}">',
             f"<title>{escape(w['chart'])}</title>", f"<desc>{escape(desc)}</desc>"]
    times = [t for p in panels for t, _ in p.points]
    if not times:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">'
                     f"{escape(w['chart.empty'])}</text></svg>")
        return "".join(parts)
    start = min(times)
    end = max([*times, ledger.computed_at, *(r.closed_at for r in rounds if r.closed_at)])
    if end <= start:
        end = start + timedelta(days=1)
    axis = _TimeAxis(start, end)
    parts.append(_period_band(report, axis, panels))
    for panel in panels:
        parts.append(_panel(panel, axis, report))
    parts.append(_time_labels(axis, panels[-1].bottom, report))
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class _TimeAxis:
    start: datetime
    end: datetime

    def x(self, moment: datetime) -> float:
        span = (self.end - self.start).total_seconds()
        share = (moment - self.start).total_seconds() / span
        return round(LEFT + min(1.0, max(0.0, share)) * (WIDTH - LEFT - RIGHT), 2)


def _panel(panel: Panel, axis: _TimeAxis, report: Report) -> str:
    lang, w = report.language, l10n.words(report.language)
    color = COLORS[panel.name]
    out = [f'<g class="panel {panel.name}" data-zero="{panel.bottom}">',
           f'<text x="{LEFT}" y="{panel.top - 10}" font-size="13" font-weight="600">'
           f"{escape(panel.title)}</text>"]
    for tick in _ticks(panel.ymax, whole=panel.unit == "rounds"):
        y = panel.y(tick)
        label = str(int(tick)) if panel.unit == "rounds" else l10n.number(tick, 1, lang)
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" '
                   f'stroke="{COLORS["grid"]}"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{escape(label)}</text>')
    out.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{panel.bottom}" '
               f'y2="{panel.bottom}" stroke="{COLORS["text"]}"/>')
    if panel.limit is not None:
        y = panel.y(panel.limit)
        shown = (str(int(panel.limit)) if panel.unit == "rounds"
                 else l10n.hours(panel.limit, lang))
        out.append(f'<line class="limit {panel.name}" data-value="{panel.limit}" x1="{LEFT}" '
                   f'x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" stroke="{COLORS["limit"]}" '
                   f'stroke-width="1.5" stroke-dasharray="6 4"/>'
                   f'<text x="{WIDTH - RIGHT + 6}" y="{y + 4}" fill="{COLORS["limit"]}">'
                   f"{escape(w['chart.limit'].format(value=shown))}</text>")
    final = panel.points[-1][1] if panel.points else 0.0
    coords = [(axis.x(axis.start), panel.y(0))]
    previous = 0.0
    for when, value in panel.points:
        coords += [(axis.x(when), panel.y(previous)), (axis.x(when), panel.y(value))]
        previous = value
    coords.append((axis.x(axis.end), panel.y(previous)))
    points = " ".join(f"{x},{y}" for x, y in coords)
    out.append(f'<polyline class="series {panel.name}" data-final="{final}" points="{points}" '
               f'fill="none" stroke="{color}" stroke-width="2"/>')
    if panel.unit == "rounds":
        out.extend(_round_marks(panel, axis, report))
    out.append("</g>")
    return "".join(out)


def _round_marks(panel: Panel, axis: _TimeAxis, report: Report) -> list[str]:
    ordered = sorted(report.ledger.rounds, key=lambda r: r.opened_at)
    marks = []
    for count, found in enumerate(ordered, start=1):
        color = COLORS["extra"] if found.extra else COLORS["rounds"]
        marks.append(f'<circle class="round-mark{" extra" if found.extra else ""}" '
                     f'cx="{axis.x(found.opened_at)}" cy="{panel.y(count)}" r="3.5" '
                     f'fill="{color}"><title>{escape(str(found.number))}</title></circle>')
    return marks


def _period_band(report: Report, axis: _TimeAxis, panels: list[Panel]) -> str:
    period = report.period
    if period is None:
        return ""
    start = max(period.start or axis.start, axis.start)
    end = min(period.end or axis.end, axis.end)
    if end <= start:
        return ""
    x1, x2 = axis.x(start), axis.x(end)
    top, bottom = panels[0].top, panels[-1].bottom
    label = escape(l10n.words(report.language)["chart.period"])
    return (f'<rect class="period" x="{x1}" y="{top}" width="{round(x2 - x1, 2)}" '
            f'height="{bottom - top}" fill="{COLORS["period"]}"/>'
            f'<text x="{(x1 + x2) / 2}" y="{top + 12}" text-anchor="middle">{label}</text>')


def _time_labels(axis: _TimeAxis, bottom: float, report: Report) -> str:
    span, zone, lang = axis.end - axis.start, report.zone, report.language
    out = []
    for step in range(5):
        moment = axis.start + span * step / 4
        anchor = "start" if step == 0 else "end" if step == 4 else "middle"
        out.append(f'<text x="{axis.x(moment)}" y="{bottom + 18}" text-anchor="{anchor}">'
                   f"{escape(l10n.day(moment.astimezone(zone).date(), lang))}</text>")
    return "".join(out)


def _ticks(ymax: float, whole: bool) -> list[float]:
    raw = ymax / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1, round(step))
    ticks, value = [0.0], step
    while value < ymax:
        ticks.append(float(value))
        value += step
    return ticks
