"""``revbridge demo`` (``make demo``): the whole flow on each built-in fake tracker.

The story's dates follow the clock, so the checks are on what the output must agree with
itself about: the counts in the summary, the rounds and late-requests tables, and the comments.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from bridge.cli import app
from connectors.testing.fakes import fake_names
from tests.e2e import ROOT

MARKER = re.compile(r"^rb-[0-9a-f]{10}$")
ROUNDS = re.compile(r"Rounds used / included │ (\d+) / (\d+)  \((\d+) left, (\d+) extra\)")
HOURS = re.compile(r"Hours spent / included │ (\d+\.\d\d) h / ")
OVERAGE = re.compile(r"\((\d+) extra round\(s\) at the round price, (\d+\.\d\d) h at the hourly")
LATE = re.compile(r"Late requests +│ (\d+)")


def run_demo(*args: str) -> subprocess.CompletedProcess[str]:
    # wide enough that no summary row or marker line wraps
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "bridge", "demo", *args], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def table_rows(text: str, title: str) -> list[list[str]]:
    """The cells of each body row of the table titled ``title`` (none when it is not there)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == title), None)
    if start is None:
        return []
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("└"):
            break
        if line.startswith("│"):
            rows.append([cell.strip() for cell in line.strip().strip("│").split("│")])
    return rows


def panels(text: str) -> list[tuple[str, list[str]]]:
    """(title, content lines) of each comment panel."""
    found: list[tuple[str, list[str]]] = []
    inside = False
    for line in text.splitlines():
        if line.startswith("╭"):
            found.append((line.strip("╭╮─ "), []))
            inside = True
        elif line.startswith("╰"):
            inside = False
        elif inside:
            found[-1][1].append(line.strip().strip("│").strip())
    return found


def test_help_names_every_fake_tracker_and_an_unknown_one_is_refused() -> None:
    runner = CliRunner()
    helped = runner.invoke(app, ["demo", "--help"], env={"COLUMNS": "200"})
    assert helped.exit_code == 0, helped.output
    text = " ".join(helped.stdout.split())
    for tracker in fake_names():
        assert tracker in text
    refused = runner.invoke(app, ["demo", "--tracker", "nope"], env={"COLUMNS": "200"})
    assert refused.exit_code == 2
    assert f"choose one of {', '.join(fake_names())}" in " ".join(refused.stderr.split())


@pytest.mark.parametrize("tracker", fake_names())
def test_demo_runs_the_story_without_an_account(tracker: str) -> None:
    proc = run_demo("--tracker", tracker)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    text = proc.stdout
    assert f"a fake {tracker} tracker on http://127.0.0.1:" in text
    assert "Rounds used / included │ 3 / 2" in text
    # the base story's 6 notices, the urgent fix's ack and 4 deliveries told back
    assert "Comments posted on the tracker (11)" in text
    assert text.count("rb-") == 11

    # the summary agrees with itself
    rounds = ROUNDS.search(text)
    assert rounds, text
    used, included, left, extra = map(int, rounds.groups())
    assert (left, extra) == (max(0, included - used), max(0, used - included))
    # ... with the rounds table: one row a round, numbered in order, the extra ones marked
    table = table_rows(text, "Rounds")
    assert [int(row[0]) for row in table] == list(range(1, used + 1))
    assert sum(row[-1] == "extra" for row in table) == extra
    assert all(int(row[3]) >= 1 for row in table)  # no empty round
    # counted hours are the rounds' hours (each shown rounded to 0.01)
    hours = HOURS.search(text)
    assert hours, text
    in_rounds = sum(float(row[4].removesuffix(" h")) for row in table)
    assert abs(float(hours.group(1)) - in_rounds) <= 0.01 * len(table)
    overage = OVERAGE.search(text)
    assert overage, text
    assert int(overage.group(1)) <= extra
    # ... and with the late requests table
    late = LATE.search(text)
    assert late, text
    assert len(table_rows(text, "Late requests")) == int(late.group(1))

    # every comment posted ends with its marker line, each marker once
    posted = int(re.findall(r"Comments posted on the tracker \((\d+)\)", text)[0])
    shown = panels(text)
    assert posted >= 1 and len(shown) == posted
    markers = []
    for title, lines in shown:
        body = [line for line in lines if line]
        assert body and MARKER.match(body[-1]), (title, lines)
        markers.append(body[-1])
    assert len(set(markers)) == len(markers)
    assert re.search(r"Done in \d+\.\d s with [1-9]\d* HTTP requests", text)

    # the showcase: the tracker's High priority named in the urgent fix's ack, every delivery
    # told back with the time spent, and the button's weekend waiting on the client
    texts = [(title, " ".join(" ".join(lines).split())) for title, lines in shown]
    checkout = [body for title, body in texts if "Checkout: the pay button" in title]
    assert len(checkout) == 2 and any("Priority High:" in body for body in checkout)
    delivered = [body for _, body in texts if body.startswith("We have delivered this request")]
    assert len(delivered) == 4 and all("Time spent on it:" in body for body in delivered)
    late_rows = table_rows(text, "Late requests")
    button = [row for row in late_rows if row[1] == "Change the colour of the contact button"]
    assert button and "7.00 h" in button[0]  # Friday 12:00 to Monday 10:00, business hours
