"""Bench: a full pull of a 2,000-card Trello board against a fake enforcing Trello's limits.

The fake answers 429 past 100 requests / 10 s per token (300 per key, 100 / 900 s on
/1/members/*), as Trello does. The connector runs with its production policy (pacing at
90 / 10 s, real sleeps). Reported: requests, 429s, request rate vs the allowed 10 / s, time the
pacer slept, wall time; then that a no-change incremental pull makes exactly one request.

Two boards: ``typical`` (a realistic history, ~8 actions a card: a full pull needs few
requests, so the rate is the one while they are issued) and ``deep`` (a long history, ~60
actions a card: more requests than one 10 s window allows, so the pacer has to work).

    /work/main/.venv/bin/python bench/pull_trello.py [--cards 2000] [--only typical|deep]
"""

from __future__ import annotations

import argparse
import bisect
import random
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.testing.fakes.trello import FakeTrello, settings_for
from connectors.trello.connector import DEFAULT_POLICY, TrelloConnector, TrelloSettings

ALLOWED = (100, 10.0)  # Trello, per token
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def populate(fake: FakeTrello, cards: int, actions_per_card: int, seed: int = 7) -> int:
    """Cards with creation, moves, comments, ``/spent`` comments and labels; returns actions."""
    rng = random.Random(seed)
    people = [fake.add_person(f"Client {i}") for i in range(3)]
    team = [fake.add_person(f"Team {i}") for i in range(3)]
    statuses = ["To Do", "In Progress", "In Review", "Done"]
    for n in range(cards):
        at = START + timedelta(minutes=3 * n)
        labels = ("round-1",) if n % 3 == 0 else ()
        card = fake.create_ticket(f"Change request {n}", rng.choice(people), labels=labels, at=at)
        for k in range(actions_per_card - 1 - len(labels)):
            at += timedelta(minutes=rng.randint(1, 90))
            roll = rng.random()
            if roll < 0.3:
                fake.move(card, statuses[(k + 1) % 4], rng.choice(team), at=at)
            elif roll < 0.45:
                fake.log_time(card, rng.choice((900, 1800, 3600, 5400)), rng.choice(team), at=at)
            else:
                fake.add_comment(card, f"Comment {k} on {n}", rng.choice(people + team), at=at)
    return fake.action_count


def run(name: str, cards: int, actions_per_card: int) -> dict[str, Any]:
    with FakeTrello(rate_limits=True) as server:
        assert isinstance(server, FakeTrello)
        t = time.monotonic()
        actions = populate(server, cards, actions_per_card)
        setup = time.monotonic() - t
        slept: list[float] = []

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            time.sleep(seconds)

        settings = TrelloSettings.model_validate(settings_for(server))
        connector = TrelloConnector(settings, {"token": server.token},
                                    policy=replace(DEFAULT_POLICY, sleep=sleep))
        started = time.monotonic()
        bundles, cursor = 0, None
        for page in connector.pull(None):
            bundles += len(page.bundles)
            cursor = page.next_cursor or cursor
        wall = time.monotonic() - started
        requests = connector.requests_made
        seen = server.limiter.admitted  # arrival times, as the fake saw them
        issuing = (seen[-1] - started) if seen else wall
        peak = max(bisect.bisect_left(seen, first + ALLOWED[1]) - i for i, first in enumerate(seen))
        before = connector.requests_made
        list(connector.pull(cursor))
        incremental = connector.requests_made - before
    allowed_rate = ALLOWED[0] / ALLOWED[1]
    return {
        "board": name, "cards": cards, "actions": actions, "bundles": bundles,
        "requests": requests, "429s": server.limiter.refused, "wall_s": round(wall, 2),
        "issuing_s": round(issuing, 2), "rate_per_s": round(requests / issuing, 2),
        "rate_vs_allowed": f"{100 * requests / issuing / allowed_rate:.0f}%",
        "peak_in_10s": peak, "pacer_slept_s": round(sum(slept), 2),
        "incremental_no_change_requests": incremental, "setup_s": round(setup, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--only", choices=("typical", "deep"))
    args = parser.parse_args()
    print("reproduce: /work/main/.venv/bin/python bench/pull_trello.py "
          f"--cards {args.cards}" + (f" --only {args.only}" if args.only else ""))
    ok = True
    for name, per_card in (("typical", 8), ("deep", 60)):
        if args.only and args.only != name:
            continue
        result = run(name, args.cards, per_card)
        print("  ".join(f"{k}={v}" for k, v in result.items()))
        ok &= result["429s"] == 0 and result["incremental_no_change_requests"] == 1
        ok &= result["bundles"] == args.cards
        if result["requests"] > ALLOWED[0]:  # only then can pacing be judged on the rate
            ok &= result["requests"] / result["issuing_s"] >= 0.8 * ALLOWED[0] / ALLOWED[1]
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
