"""A process spending a Trello token's budget through a PostgreSQL store (for
tests/test_shared_budgets_pg.py): ``python -m tests.budget_child DB_URL SETTINGS_JSON COUNT``,
the token in ``$RB_BUDGET_TOKEN``. Prints the number of requests it made."""

from __future__ import annotations

import json
import os
import sys

from bridge.store import Store
from bridge.store.budgets import share_budgets
from connectors.testing.contract import drain
from connectors.trello.connector import TrelloConnector, TrelloSettings


def main(db_url: str, settings: str, count: int) -> None:
    store = Store.open(db_url)
    assert share_budgets(store.engine)
    connector = TrelloConnector(TrelloSettings.model_validate(json.loads(settings)),
                                {"token": os.environ["RB_BUDGET_TOKEN"]})
    while connector.requests_made < count:
        drain(connector.pull(None))
    print(connector.requests_made)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
