"""What people see: words, money and dates (l10n), notice texts, ledger tables, reports."""
