"""Invoices: freezing the overage into numbered invoices, billed exactly once (docs/invoices.md).

``issue`` takes the client's lock, derives the ledger as of the invoice's last day and writes the
lines :func:`bridge.engine.invoicing.invoice_lines` computes; ``summary`` is what ``status`` and
the reports show (invoiced so far, due).
"""
