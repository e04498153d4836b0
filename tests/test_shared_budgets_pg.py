"""Two processes on one PostgreSQL store share a Trello token's budget through the store
(bridge/store/budgets.py): 0 answers 429, never more than 100 requests in any 10 s."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from bridge.store import Store
from bridge.store.budgets import share_budgets
from connectors.testing.contract import T0
from connectors.testing.fakes.trello import FakeTrello, settings_for
from tests.e2e import ROOT
from tests.test_shared_budgets import most_in_window

PER_PROCESS = 70


@pytest.mark.postgres
def test_two_processes_share_a_token_budget_through_postgresql(pg_url: str) -> None:
    with FakeTrello(rate_limits=True) as fake:
        assert isinstance(fake, FakeTrello)
        person = fake.add_person("Claire Client")
        for i in range(3):
            fake.create_ticket(f"Change {i}", person, at=T0)
        Store.open(pg_url).close()  # migrated before the two race
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RB_BUDGET_TOKEN": fake.token}
        settings = json.dumps(settings_for(fake))
        procs = [subprocess.Popen([sys.executable, "-m", "tests.budget_child", pg_url, settings,
                                   str(PER_PROCESS)], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [proc.communicate(timeout=180) for proc in procs]
        for proc, (_, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err
        made = sum(int(out) for out, _ in outputs)
        assert made >= 2 * PER_PROCESS
        assert fake.limiter.refused == 0
        assert len(fake.limiter.admitted) >= 2 * PER_PROCESS
        assert most_in_window(fake.limiter.admitted, 10.0) <= 100
        # the budget rows name credentials by their hash only
        store = Store.open(pg_url)
        try:
            with store.engine.connect() as conn:
                keys = list(conn.execute(text("SELECT credential FROM rate_budgets")).scalars())
        finally:
            store.close()
        assert len(keys) == 2 and not any(fake.token in k or fake.key in k for k in keys)


def test_sqlite_keeps_the_process_local_limiter(tmp_path: object) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/rb.db")
    try:
        assert share_budgets(store.engine) is False
    finally:
        store.close()
