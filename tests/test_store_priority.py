"""Tickets keep their priority and single-choice custom fields (migration 0008), on SQLite and
(with REVBRIDGE_TEST_PG) PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import inspect, text

from bridge.store import Store
from connectors.base import TicketBundle
from tests.migrations import at_revision
from tests.test_store import ANA, bundle


def test_priority_and_custom_fields_round_trip(store: Store) -> None:
    jira = bundle("1")
    jira = replace(jira, ticket=replace(jira.ticket, priority="Highest"))
    asana = bundle("2")
    asana = replace(asana, ticket=replace(asana.ticket, custom_fields=(
        ("Priority", "High"), ("Effort", "L ✓"), ("Priorité", "Haute \"urgente\""))))
    plain = bundle("3")
    store.save_bundles("acme", [jira, asana, plain])
    got = {t.remote_id: t for t in store.load_records("acme").tickets}
    assert got == {"1": jira.ticket, "2": asana.ticket, "3": plain.ticket}
    assert got["3"].priority is None and got["3"].custom_fields == ()
    # a later pull replaces them: a priority taken off is gone
    store.save_bundles("acme", [TicketBundle(replace(jira.ticket, priority=None))])
    assert store.load_records("acme").tickets[0].priority is None


def test_migration_0008_keeps_stored_tickets(store_url: str) -> None:
    with at_revision(store_url, "0007") as connection:
        connection.execute(text(
            "INSERT INTO tickets (client, remote_id, key, url, title, status, labels, "
            "created_at, updated_at, requester_id, requester_name, requester_email, deleted) "
            "VALUES ('acme', '7', 'WEB-7', 'https://t.example/WEB-7', 'Old', 'To Do', "
            "'[\"bug\"]', :at, :at, 'acc-ana', 'Ana Client', 'ana@client.example', :no)"),
            {"at": datetime(2026, 3, 2, 11, 30), "no": False})
    store = Store.open(store_url)  # migrates to the head
    try:
        [ticket] = store.load_records("acme").tickets
        assert (ticket.key, ticket.labels, ticket.requester) == ("WEB-7", ("bug",), ANA)
        assert ticket.created_at == datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
        assert ticket.priority is None and ticket.custom_fields == ()
    finally:
        store.close()
    with at_revision(store_url, "0007", down=True) as connection:  # 0008 undoes cleanly
        columns = {c["name"] for c in inspect(connection).get_columns("tickets")}
        assert "priority" not in columns and "custom_fields" not in columns
