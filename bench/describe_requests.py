"""Requests one ``describe()`` makes, per tracker (budget: 6), on a project of ordinary size.

Each fake tracker (in this process) gets ``--people`` people, ``--tickets`` tickets carrying
``--labels`` labels, then a fresh connector (real client library) describes it; the count is
the connector's own meter, checked against the fake's request log.

    python bench/describe_requests.py [--people 40] [--tickets 200] [--labels 30]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.testing.contract import connector_maker
from connectors.testing.fakes import make_fake

BUDGET = 6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--labels", type=int, default=30)
    args = parser.parse_args()
    worst = 0
    for name, options in (("jira", {}), ("jira", {"deployment": "datacenter"}),
                          ("trello", {}), ("asana", {})):
        fake = make_fake(name, **options)
        fake.start()
        try:
            people = [fake.add_person(f"Person {i}", f"p{i}@client.example")
                      for i in range(args.people)]
            for i in range(args.tickets):
                fake.create_ticket(f"Ticket {i}", people[i % len(people)],
                                   labels=(f"label-{i % args.labels}",))
            before = len(fake.log)
            connector = connector_maker(name, fake)()
            found = connector.describe()
            sent = len(fake.log) - before
            assert sent == connector.requests_made, (sent, connector.requests_made)
            label = name + (" (Data Center)" if options else "")
            print(f"{label:<20} {sent} requests  {len(found.projects)} projects, "
                  f"{len(found.statuses)} statuses, {len(found.people)} people, "
                  f"{len(found.labels)} labels")
            worst = max(worst, sent)
        finally:
            fake.stop()
    print(f"budget {BUDGET}: {'OK' if worst <= BUDGET else 'EXCEEDED'}")
    return 0 if worst <= BUDGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
